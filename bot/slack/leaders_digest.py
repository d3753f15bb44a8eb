"""The leaders' weekly digest as a Slack message: Block Kit and its plain-text twin.

It draws only the printed figures of bot.domain.digest_figures (counts already suppressed:
"<5" for 1 to 4, "*" for a count hidden so a small one cannot be worked out); it never sees a
reference, a word anyone wrote, or who anyone is.
"""

from __future__ import annotations

from typing import Any

from bot.slack.mrkdwn import escape

Digest = dict[str, Any]


def _legend(digest: Digest) -> str:
    t = digest["threshold"]
    return (
        f'"<{t}" means 1 to {t - 1} cases; "*" is hidden so that a small number cannot be '
        'worked out from the totals; "–" is withheld. Breakdowns cover the last 13 weeks, '
        "never a single week."
    )


class _Style:
    """How a figure and a note are written: Slack mrkdwn, or plain text."""

    def __init__(self, mrkdwn: bool) -> None:
        self.mrkdwn = mrkdwn

    def text(self, value: object) -> str:
        return escape(str(value)) if self.mrkdwn else str(value)

    def figure(self, value: object) -> str:
        # Numbers in bold; a suppression mark as it is ("*" would break the bold).
        plain = str(value)
        bold = self.mrkdwn and plain[:1].isdigit()
        return f"*{self.text(plain)}*" if bold else self.text(plain)

    def note(self, value: str) -> str:
        return f"_{self.text(value)}_" if self.mrkdwn else value


def _rows(style: _Style, rows: list[dict[str, str]], *, skip_zero: bool = False) -> str:
    shown = [r for r in rows if not (skip_zero and r["count"] == "0")]
    return (
        "\n".join(f"• {style.text(r['label'])}: {style.figure(r['count'])}" for r in shown)
        or "• none"
    )


def _share(count: str, share: str | None) -> str:
    return f"{count} ({share})" if share else count


def _timing(style: _Style, label: str, timing: dict[str, str] | None) -> str:
    if timing is None:
        return f"{label}: too few cases in the last 13 weeks to say"
    return (
        f"{label}: median {style.figure(timing['median'])} days, "
        f"90th percentile {style.figure(timing['p90'])} days"
    )


def _hours(hours: int | None) -> str:
    if hours is None:
        return ""
    if hours >= 24:
        return f" (oldest {hours // 24} days {hours % 24} hours past due)"
    return f" (oldest {hours} hours past due)"


def sections(digest: Digest, *, mrkdwn: bool = True) -> list[tuple[str, str]]:
    """(heading, body) for each part of the digest, in order, as mrkdwn or plain text."""
    style = _Style(mrkdwn)
    f = style.figure
    week = digest["this_week"]
    feedback = digest["feedback"]
    sg = digest["safeguarding"]
    trend = " ".join(style.text(w["new"]) for w in digest["trend"])
    trend_closed = " ".join(style.text(w["closed"]) for w in digest["trend"])
    hotspots = digest["hotspots"]
    hotspot_lines = (
        "\n".join(
            f"• {style.text(h['label'])}: {f(h['count'])} in the last 13 weeks; "
            f"{style.text(h['previous'])} in the {h['history_weeks']} weeks before "
            f"(usually {style.text(h['usual'])} per 13 weeks)"
            for h in hotspots
        )
        if hotspots
        else "• none this week"
    )
    anonymous = _share(digest["anonymous"]["count"], digest["anonymous"]["share"])
    detriment = _share(digest["detriment"]["count"], digest["detriment"]["share"])
    share_yes = f", Yes: {f(feedback['share_yes'])}" if feedback["share_yes"] else ""
    return [
        (
            "This week (speak up)",
            f"New: {f(week['new'])}   Closed: {f(week['closed'])}   "
            f"Open at the end of the week: {f(week['open'])}",
        ),
        (
            "13-week trend, oldest week first",
            f"New: {trend}\nClosed: {trend_closed}\nRaised in the 13 weeks: {f(digest['raised'])}",
        ),
        (
            "What concerns were about (last 13 weeks)",
            _rows(style, digest["elements"], skip_zero=True)
            + "\n"
            + style.note(
                "A case can be about several things, so these add up to more than the total."
            ),
        ),
        (
            "How people spoke up (last 13 weeks)",
            f"Raised anonymously: {f(anonymous)}\nDetriment indicated: {f(detriment)}",
        ),
        ("By site (last 13 weeks)", _rows(style, digest["sites"])),
        ("By staff group (last 13 weeks)", _rows(style, digest["groups"], skip_zero=True)),
        (
            '"Would you speak up again?" (answers in the last 13 weeks)',
            f"Answers: {f(feedback['responses'])}{share_yes}\n" + _rows(style, feedback["answers"]),
        ),
        ("Open cases by age (end of the week)", _rows(style, digest["open_by_age"])),
        ("Overdue at the end of the week, by deadline", _rows(style, digest["overdue"])),
        (
            "Time taken (last 13 weeks)",
            _timing(style, "To acknowledge", digest["to_acknowledge"])
            + "\n"
            + _timing(style, "To close", digest["to_close"]),
        ),
        (
            "Safeguarding process (what the trust did; not suppressed)",
            f"Raised this week: {f(sg['raised'])}   Referred this week: {f(sg['referred'])}\n"
            f"Referral overdue: {f(sg['referral_overdue'])}{_hours(sg['oldest_overdue_hours'])}\n"
            f"Awaiting the local authority's acknowledgement: "
            f"{f(sg['awaiting_acknowledgement'])}\n"
            f"Closed this week without a referral: {f(sg['closed_without_referral'])}",
        ),
        ("Hotspots", hotspot_lines + "\n" + style.note(digest["hotspot_rule"])),
        (
            "Delivery",
            f"Notifications not yet delivered after a failed attempt: {f(digest['undelivered'])}",
        ),
    ]


def title(digest: Digest) -> str:
    return (
        f"Speak up: leaders' digest for {digest['week']} "
        f"({digest['first_day']} to {digest['last_day']})"
    )


def digest_blocks(digest: Digest) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title(digest)[:150]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(_legend(digest))}]},
    ]
    for heading, body in sections(digest):
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{heading}*\n{body}"[:3000]}}
        )
    return blocks


def digest_text(digest: Digest) -> str:
    """The same digest as plain text (the notification, and `speakup digest leaders --dry-run`)."""
    lines = [title(digest), _legend(digest)]
    for heading, body in sections(digest, mrkdwn=False):
        lines += ["", heading, body]
    return "\n".join(lines)
