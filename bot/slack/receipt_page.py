"""What `/speakup status` shows: the person's own concerns, a receipt page, the reply form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.taxonomy import FEEDBACK_QUESTION, IDENTITY_LABELS, KIND_LABELS, ConcernKind
from bot.flows.reporter_status import ConcernOverview, reporter_summary
from bot.flows.timeline import TimelineEntry
from bot.slack.cards import slack_date
from bot.slack.copy import FEEDBACK_RECORDED
from bot.slack.form_blocks import modal, small_print, text_input
from bot.slack.ids import Action, Callback
from bot.slack.ids import Block as B
from bot.slack.mrkdwn import escape

SECTION_MAX = 3000
MESSAGE_BLOCKS_MAX = 50
REPLY_MAX = 2000
TIMELINE_SHOWN = 20
QUOTE_MAX = 1200

NO_MATCH = (
    "No concern matches that receipt. Check it and try again: it is four groups of four "
    "letters and numbers, like `7KQ2-M9XD-4HTR-B6WN`."
)
NO_CONTACT_NOTE = (
    "Anonymous, no-contact concerns are never listed: nothing links them to you. Check one "
    "with `/speakup status <receipt>`."
)
FEEDBACK_EXPIRED = (
    "For your protection this form has expired. Close it and type `/speakup status <receipt>` "
    "again to give feedback."
)
PAGE_EXPIRED = (
    "For your protection this page has expired. Type `/speakup status <receipt>` again to reply."
)


@dataclass(frozen=True)
class Message:
    """Text (for notifications and screen readers) and the blocks shown."""

    text: str
    blocks: list[dict[str, Any]]


def fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str, limit: int = QUOTE_MAX) -> str:
    return "\n".join("> " + line for line in escape(fit(text, limit)).splitlines() or [""])


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=fit(text, SECTION_MAX)))


def _message(text: str, blocks: list[Block]) -> Message:
    return Message(text=text, blocks=[block.to_dict() for block in blocks[:MESSAGE_BLOCKS_MAX]])


def who(entry: TimelineEntry, kind: ConcernKind) -> str:
    if entry.actor_role == "reporter":
        return "You"
    if entry.actor_role == "system":
        return "Speak up"
    return "Safeguarding team" if kind is ConcernKind.SAFEGUARDING else "A guardian"


def concern_line(concern: ConcernOverview) -> str:
    """Reference, type, identity, status and last update, on two lines."""
    return (
        f"*{concern.reference}* · {KIND_LABELS[concern.kind]} · "
        f"{IDENTITY_LABELS[concern.identity_mode]}\n"
        f"Status: *{concern.status_label}* · last update "
        f"{slack_date(concern.last_update_at, '{date_short_pretty}')}: "
        f"{escape(concern.last_update)}"
    )


def my_concerns_message(concerns: list[ConcernOverview]) -> Message:
    """The answer to `/speakup status`: only the person asking sees it."""
    if not concerns:
        return _message(
            "You have no concerns raised from this account.",
            [
                _section("You have no concerns raised from this account. `/speakup` raises one."),
                small_print(NO_CONTACT_NOTE),
            ],
        )
    blocks: list[Block] = [_section(f"*Your concerns* ({len(concerns)}), newest first:")]
    blocks += [_section(concern_line(c)) for c in concerns[: MESSAGE_BLOCKS_MAX - 3]]
    blocks.append(small_print(NO_CONTACT_NOTE))
    return _message(f"Your concerns ({len(concerns)})", blocks)


def plain(text: str) -> Message:
    """A one-paragraph answer, such as a refusal the flows worded."""
    return _message(text, [_section(text)])


def unavailable() -> Message:
    text = "We could not look that up just now. Please try again in a minute."
    return _message(text, [_section(text)])


def no_match() -> Message:
    return _message(NO_MATCH, [_section(NO_MATCH)])


def too_many_tries(wait_seconds: float) -> Message:
    minutes = max(1, round(wait_seconds / 60))
    text = (
        "That was too many receipts that did not match, so checking is paused for you for "
        f"about {minutes} minute{'s' if minutes != 1 else ''}. If you have lost your receipt, "
        "you can raise the concern again with `/speakup`."
    )
    return _message(text, [_section(text)])


def _entry_text(entry: TimelineEntry, kind: ConcernKind) -> str:
    line = f"*{who(entry, kind)}* · {slack_date(entry.at)}\n{escape(reporter_summary(entry))}"
    if entry.body:
        line += "\n" + quote(entry.body)
    return line


def receipt_page(
    concern: ConcernOverview, reply_pass: str | None, feedback_pass: str | None = None
) -> Message:
    """A no-contact concern as its receipt holder sees it: status, the conversation, Reply
    while it is open; once closed, the feedback question until it is answered."""
    shown = concern.timeline[-TIMELINE_SHOWN:]
    blocks: list[Block] = [
        _section(
            f"*{concern.reference}* · {KIND_LABELS[concern.kind]} · Status: "
            f"*{concern.status_label}*\nRaised {slack_date(concern.raised_at)}."
        ),
        DividerBlock(),
    ]
    if len(concern.timeline) > len(shown):
        blocks.append(_section(f"_{len(concern.timeline) - len(shown)} earlier updates_"))
    blocks += [_section(_entry_text(entry, concern.kind)) for entry in shown]
    if reply_pass is not None:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        action_id=Action.RECEIPT_REPLY,
                        text="Reply",
                        style="primary",
                        value=reply_pass,
                    )
                ]
            )
        )
    else:
        blocks.append(
            _section(
                "This concern is closed, so replies are no longer read. If there is more to "
                "say, `/speakup` raises a new concern."
            )
        )
        blocks += _feedback_blocks(concern, feedback_pass)
    blocks.append(
        small_print(
            "Only you can see this. Anyone who has your receipt can read these "
            "messages and reply, so keep it safe."
        )
    )
    # The last blocks (Reply, the note) matter most: trim the oldest updates if needed.
    while len(blocks) > MESSAGE_BLOCKS_MAX:
        del blocks[2]
    return _message(f"Your concern {concern.reference}: {concern.status_label}", blocks)


def _feedback_blocks(concern: ConcernOverview, feedback_pass: str | None) -> list[Block]:
    if feedback_pass is not None:
        return [
            _section(f"*{FEEDBACK_QUESTION}*\nYour answer is counted, never linked to you."),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        action_id=Action.RECEIPT_FEEDBACK, text="Give feedback", value=feedback_pass
                    )
                ]
            ),
        ]
    if concern.feedback_given:
        return [_section(FEEDBACK_RECORDED)]
    return []


def feedback_sent_view(reference: str) -> dict[str, Any]:
    return _thanks_view(
        "Feedback sent",
        f"Thank you. Your answer about *{reference}* is recorded for the trust's quarterly "
        "return, with nothing that links it to you.",
    )


def _thanks_view(title: str, text: str) -> dict[str, Any]:
    """What a receipt holder sees once their words are in: no form, only "Done"."""
    return modal(None, title, [_section(text)], None, submit=None, close="Done")


def reply_modal(reference: str, question: str | None, metadata: str) -> dict[str, Any]:
    """The reply form for a receipt holder; `metadata` is the signed reply pass."""
    blocks: list[Block] = [
        _section(
            f"Your reply about *{reference}* goes to the team handling it. They still will not "
            "know who you are, unless you tell them: leave out anything that identifies you "
            "if you want to stay anonymous."
        )
    ]
    if question:
        blocks.append(_section("*Their latest question*\n" + quote(question, 2500)))
    blocks.append(
        text_input(
            B.MESSAGE,
            "Your reply",
            max_length=REPLY_MAX,
            optional=False,
            hint="Encrypted as soon as you send it.",
        )
    )
    return modal(Callback.RECEIPT_REPLY, "Reply", blocks, metadata, submit="Send")


def reply_sent_view(reference: str) -> dict[str, Any]:
    return _thanks_view(
        "Reply sent",
        f"Thank you. Your reply about *{reference}* is with the team, encrypted. Check for "
        "their answer with `/speakup status <receipt>`.",
    )
