"""The bot's front doors: the App Home tab and the welcome that answers a DM.

The Home tab opens on general information about speaking up, the same for everyone, so
having it open on screen says nothing about anyone; the person's own concerns follow below.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.taxonomy import IDENTITY_EXPLANATIONS, IDENTITY_LABELS, ConcernKind, IdentityMode
from bot.flows.reporter_status import ConcernOverview, reporter_summary
from bot.slack.cards import slack_date
from bot.slack.copy import (
    DM_FOOTER,
    DM_WELCOME,
    EMERGENCY_LINE,
    HONESTY_LINE,
    SERVICE,
    WAYS_IN,
)
from bot.slack.form_blocks import small_print
from bot.slack.ids import Action
from bot.slack.mrkdwn import escape
from bot.slack.receipt_page import NO_CONTACT_NOTE, Message, concern_line, fit

HOME_BLOCKS_MAX = 100
HOME_CONCERNS_SHOWN = 15
HOME_TIMELINE_SHOWN = 8
SECTION_MAX = 3000


def raise_button() -> ButtonElement:
    return ButtonElement(
        action_id=Action.OPEN_RAISE,
        text="Raise a concern",
        style="primary",
        value=ConcernKind.SPEAK_UP.value,
    )


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=fit(text, SECTION_MAX)))


def _ways_to_speak_up() -> str:
    return "*Four ways to speak up*\n" + "\n".join(
        f"• *{IDENTITY_LABELS[mode]}*: {IDENTITY_EXPLANATIONS[mode]}" for mode in IdentityMode
    )


def _concern_with_timeline(concern: ConcernOverview) -> str:
    lines = [concern_line(concern)]
    shown = concern.timeline[-HOME_TIMELINE_SHOWN:]
    if len(concern.timeline) > len(shown):
        lines.append(f"_{len(concern.timeline) - len(shown)} earlier updates_")
    lines += [
        f"• {slack_date(entry.at, '{date_short_pretty}')}: {escape(reporter_summary(entry))}"
        for entry in shown
    ]
    return "\n".join(lines)


def record_button() -> ButtonElement:
    return ButtonElement(action_id=Action.RECORD_CONCERN, text="Record a concern", value="record")


def home_view(concerns: list[ConcernOverview] | None, *, guardian: bool = False) -> dict[str, Any]:
    """The Home tab: general information first, then the person's own concerns (None when
    they could not be read just now); guardians also find how to record a concern."""
    blocks: list[Block] = [
        HeaderBlock(text="Speak up"),
        _section(SERVICE),
        _section(EMERGENCY_LINE),
        ActionsBlock(elements=[raise_button()]),
        DividerBlock(),
        _section(_ways_to_speak_up()),
        small_print(HONESTY_LINE),
        _section(WAYS_IN),
        DividerBlock(),
        HeaderBlock(text="Your concerns"),
    ]
    if concerns is None:
        blocks.append(
            _section("Your concerns could not be shown just now. Please look again soon.")
        )
    elif concerns:
        blocks += [_section(_concern_with_timeline(c)) for c in concerns[:HOME_CONCERNS_SHOWN]]
        blocks.append(
            small_print("Messages from the team arrive in your DMs with me, where you can reply.")
        )
    else:
        blocks.append(_section("Nothing has been raised from this account."))
    blocks.append(small_print(NO_CONTACT_NOTE))
    if guardian:
        blocks += [
            DividerBlock(),
            HeaderBlock(text="For guardians"),
            _section(
                "Someone raised a concern with you in person, by phone, email or letter? "
                "Record it here so it is tracked and counted like every other."
            ),
            ActionsBlock(elements=[record_button()]),
        ]
    view = View(type="home", blocks=blocks[:HOME_BLOCKS_MAX])
    return view.to_dict()  # validates against Block Kit's limits first


def wants_welcome(event: dict[str, Any]) -> bool:
    """A person's own new message in their DM with the bot (not an edit, a bot or a join)."""
    return (
        event.get("type") == "message"
        and event.get("channel_type") == "im"
        and "subtype" not in event
        and not event.get("bot_id")
        and isinstance(event.get("user"), str)
        and isinstance(event.get("channel"), str)
    )


def dm_welcome() -> Message:
    """The friendly answer to any DM: what the service is, and the button into the form."""
    blocks: list[Block] = [
        _section(DM_WELCOME),
        ActionsBlock(elements=[raise_button()]),
        small_print(DM_FOOTER),
    ]
    return Message(
        text="Hello. Press Raise a concern to use the private form.",
        blocks=[block.to_dict() for block in blocks],
    )
