"""The daily digests as Block Kit: a section per list, each line a reference linked to its card.

Only references and facts (ages, deadlines, Slack's error codes): never what anyone wrote and
never who raised a concern. Links are resolved when the digest is posted (chat.getPermalink);
a card not posted yet shows its reference without a link.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.policy import DigestRules
from bot.domain.taxonomy import OUTCOMES
from bot.flows.digests import Audience, Digest, DigestRow, Section
from bot.slack.form_blocks import small_print
from bot.slack.home import record_button

# Resolves a concern id to a link to its card, or None when there is no card to link to.
Link = Callable[[str], str | None]

SECTION_TEXT_MAX = 2900  # Slack allows 3000 in a section's text; the "more" line needs room
NOTHING = "Nothing needs you today."

HEADINGS: dict[Section, str] = {
    Section.UNACKNOWLEDGED: "Not yet acknowledged",
    Section.DUE: "Due today or overdue",
    Section.NO_OWNER: "No owner",
    Section.WAITING_ON_REPORTER: "Waiting on the reporter for over {wait} days",
    Section.DETRIMENT: "Open, reporter says they suffered detriment",
    Section.FEEDBACK_OUTSTANDING: "Closed, the reporter's feedback not in yet",
    Section.NO_REFERRAL: "Open without a local-authority referral",
    Section.REFERRAL_UNACKNOWLEDGED: "Referral made, not acknowledged by the local authority",
    Section.CLOSED_WITHOUT_REFERRAL: "Closed without a referral in the last {review} days (review)",
    Section.UNDELIVERED: "Not yet delivered to this channel",
}

TITLES = {
    Audience.GUARDIANS: "Guardians' digest",
    Audience.SAFEGUARDING: "Safeguarding digest",
}


def _age(start: datetime, now: datetime) -> str:
    hours = max(0, int((now - start).total_seconds() // 3600))
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def _day(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%a %d %b")


def _clock(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%a %d %b %H:%M")


def _facts(section: Section, row: DigestRow, digest: Digest, timezone: str) -> str:
    """What the row says besides its reference: ages, dates, deadlines; nothing written."""
    now = digest.as_of
    if section is Section.UNACKNOWLEDGED or section is Section.NO_OWNER:
        return f"raised {_age(row.at, now)} ago"
    if section is Section.DUE:
        when = "overdue since" if row.overdue else "due"
        return f"{row.what}: {when} {_clock(row.at, timezone)}"
    if section is Section.WAITING_ON_REPORTER:
        return f"awaiting information; last reporter contact {_day(row.at, timezone)}"
    if section is Section.DETRIMENT:
        return f"raised {_day(row.at, timezone)}"
    if section is Section.FEEDBACK_OUTSTANDING:
        return f"closed {_day(row.at, timezone)}"
    if section is Section.NO_REFERRAL:
        return f"open {_age(row.at, now)}"
    if section is Section.REFERRAL_UNACKNOWLEDGED:
        flag = ", acknowledgement :warning: OVERDUE" if row.overdue else ""
        return f"referred {_day(row.at, timezone)}{flag}"
    if section is Section.CLOSED_WITHOUT_REFERRAL:
        outcome = OUTCOMES.get(row.what, "closed").lower()
        return f"closed {_day(row.at, timezone)}: {outcome}"
    error = f" ({row.what})" if row.what else ""
    return f"waiting since {_clock(row.at, timezone)}{error}"


def _line(section: Section, row: DigestRow, digest: Digest, link: Link, timezone: str) -> str:
    url = link(row.concern_id)
    reference = f"<{url}|{row.reference}>" if url else row.reference
    urgent = " :rotating_light: immediate danger" if row.urgent else ""
    return f"• {reference}{urgent}: {_facts(section, row, digest, timezone)}"


def _section_text(
    section: Section,
    rows: tuple[DigestRow, ...],
    digest: Digest,
    link: Link,
    timezone: str,
    rules: DigestRules,
) -> str:
    heading = HEADINGS[section].format(
        wait=rules.reporter_wait_days, review=rules.closed_review_days
    )
    text = f"*{heading}* ({len(rows)})"
    for shown, row in enumerate(rows):
        line = _line(section, row, digest, link, timezone)
        if len(text) + len(line) + 40 > SECTION_TEXT_MAX:
            return text + f"\n…and {len(rows) - shown} more"
        text += "\n" + line
    return text


def digest_text(digest: Digest) -> str:
    """The notification text: counts only."""
    title = f"{TITLES[digest.audience]} for {digest.day:%A %d %B}"
    if digest.empty:
        return f"{title}: {NOTHING}"
    count = digest.count
    return f"{title}: {count} concern{'s' if count != 1 else ''} to look at"


def digest_blocks(
    digest: Digest, *, link: Link, timezone: str, rules: DigestRules
) -> list[dict[str, Any]]:
    blocks: list[Block] = [HeaderBlock(text=f"{TITLES[digest.audience]}, {digest.day:%A %d %B}")]
    if digest.empty:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f":white_check_mark: {NOTHING}")))
    for section, rows in digest.sections:
        if rows:
            text = _section_text(section, rows, digest, link, timezone, rules)
            blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    if digest.audience is Audience.GUARDIANS:
        # Every case is recorded: one raised in person or by phone is recorded from here too.
        blocks.append(ActionsBlock(elements=[record_button()]))
    blocks += [
        DividerBlock(),
        small_print(
            f"As of {_clock(digest.as_of, timezone)}. References and facts only: "
            "open a card for its details."
        ),
    ]
    return [block.to_dict() for block in blocks]
