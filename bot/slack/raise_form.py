"""The raise modal: its two forms (speak up, safeguarding) and the confirmation view."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    Option,
)
from slack_sdk.models.views import View

from bot.domain.taxonomy import (
    AT_RISK,
    IDENTITY_EXPLANATIONS,
    IDENTITY_LABELS,
    MEDIUM_TEXT_MAX,
    SHORT_TEXT_MAX,
    ConcernKind,
    IdentityMode,
)
from bot.flows.raising import RaisedConcern
from bot.slack.copy import EMERGENCY_LINE, HONESTY_LINE
from bot.slack.form_blocks import date_input, modal, radio_input, section, small_print, text_input
from bot.slack.form_fields import (
    STATISTICS_ONLY,
    description_block,
    detriment_block,
    elements_block,
    profession_block,
    site_blocks,
    worker_type_block,
)
from bot.slack.ids import Action, Callback
from bot.slack.ids import Block as B

INCIDENT_NUMBER_MAX = 40

# Short option descriptions (Slack caps them at 75 characters); the full text sits above.
_IDENTITY_SHORT = {
    IdentityMode.OPEN: "Guardians know it's you and may share your name to act.",
    IdentityMode.CONFIDENTIAL: "Guardians know it's you; your name isn't shared without consent.",
    IdentityMode.ANONYMOUS_FOLLOW_UP: "Nobody sees who you are; you still get updates.",
    IdentityMode.ANONYMOUS_NO_CONTACT: "No link to you at all; check on it with a receipt.",
}


def _identity_blocks() -> list[Block]:
    explanation = "\n".join(
        f"*{IDENTITY_LABELS[mode]}*: {IDENTITY_EXPLANATIONS[mode]}" for mode in IdentityMode
    )
    return [
        DividerBlock(),
        section("*Who will know it was you?*\n" + explanation),
        radio_input(
            B.IDENTITY,
            "How identifiable do you want to be?",
            [
                Option(
                    value=mode.value, text=IDENTITY_LABELS[mode], description=_IDENTITY_SHORT[mode]
                )
                for mode in IdentityMode
            ],
        ),
        small_print(HONESTY_LINE),
    ]


def _profession_block() -> InputBlock:
    return profession_block("Your staff group (optional)", STATISTICS_ONLY)


def speak_up_form(
    *, sites: list[str], metadata: str, safeguarding_elsewhere: str | None = None
) -> dict[str, Any]:
    """The speak-up form: what it is about, what happened, identity, optional detail; the way
    to the safeguarding form, or (safeguarding off) where those concerns go."""
    button = ButtonElement(
        action_id=Action.SWITCH_TO_SAFEGUARDING,
        text="Someone is at risk of harm",
        value="safeguarding",
    )
    elsewhere = f"*Someone at risk of harm?* {safeguarding_elsewhere}"
    blocks: list[Block] = [
        section(
            "Tell a Freedom to Speak Up guardian what worries you. "
            "It takes about a minute.\n" + EMERGENCY_LINE
        ),
        section(elsewhere)
        if safeguarding_elsewhere is not None
        else ActionsBlock(elements=[button]),
        elements_block(),
        description_block(
            "What happened?",
            "Only guardians can read this. It is encrypted as soon as you send it.",
        ),
        *_identity_blocks(),
        DividerBlock(),
        HeaderBlock(text="Optional detail"),
    ]
    blocks += site_blocks(sites)
    blocks += [
        text_input(
            B.LOCATION,
            "Where did it happen? (optional)",
            max_length=SHORT_TEXT_MAX,
            multiline=False,
            optional=True,
            hint="Station, department or ward.",
        ),
        date_input(B.HAPPENED_ON, "When did it happen? (optional)", optional=True),
        text_input(
            B.RAISED_BEFORE,
            "Have you raised it before? With whom? (optional)",
            max_length=SHORT_TEXT_MAX,
            multiline=False,
            optional=True,
        ),
        text_input(
            B.HOPED_OUTCOME,
            "What would you like to happen? (optional)",
            max_length=MEDIUM_TEXT_MAX,
            multiline=True,
            optional=True,
        ),
        detriment_block(
            "Treated worse for speaking up? (optional)",
            "Do you feel you have suffered detriment for speaking up before?",
        ),
        _profession_block(),
        worker_type_block(),
    ]
    return modal(Callback.RAISE_SPEAK_UP, "Speak up", blocks, metadata, submit="Send")


def safeguarding_form(*, metadata: str) -> dict[str, Any]:
    """The safeguarding form: who is at risk, immediate danger, where, what happened."""
    blocks: list[Block] = [
        section(EMERGENCY_LINE),
        section(
            "Use this if a patient, a colleague or anyone else may be at risk of harm, "
            "abuse or neglect. The safeguarding team sees it straight away."
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    action_id=Action.SWITCH_TO_SPEAK_UP,
                    text="It's a different kind of concern",
                    value="speak_up",
                )
            ]
        ),
        radio_input(B.AT_RISK, "Who is at risk?", AT_RISK),
        radio_input(
            B.IMMEDIATE_DANGER,
            "Is anyone in immediate danger?",
            {"yes": "Yes, right now", "no": "No"},
        ),
        text_input(
            B.LOCATION,
            "Where?",
            max_length=SHORT_TEXT_MAX,
            multiline=False,
            optional=False,
            hint="Address, station or ward, as precisely as you can. 'Not known' is fine.",
        ),
        text_input(
            B.INCIDENT_NUMBER,
            "CAD or incident number (optional)",
            max_length=INCIDENT_NUMBER_MAX,
            multiline=False,
            optional=True,
        ),
        description_block(
            "What happened?",
            "Only the safeguarding team can read this. It is encrypted when you send it.",
        ),
        *_identity_blocks(),
        _profession_block(),
    ]
    return modal(
        Callback.RAISE_SAFEGUARDING, "Safeguarding concern", blocks, metadata, submit="Send"
    )


REPLAYED_NO_CONTACT = (
    "This form was already received: your {noun} is safely with us. Its receipt was shown "
    "once, when it was first sent, and is not shown again, so that nobody else can get a "
    "working receipt by sending the same form. If you did not copy it, the guardians cannot "
    "reach you, but your concern will still be looked into. You can raise it again if you want "
    "a new receipt (say it repeats an earlier concern), or speak to a guardian in person."
)

# --- confirmation --------------------------------------------------------------------------


def confirmation_view(raised: RaisedConcern, *, ack_promise: str) -> dict[str, Any]:
    """What the reporter sees after sending: reference first, 999 first of all if urgent.
    `ack_promise` says when they will be acknowledged ("by Wednesday 2 December", "within
    the hour, by 7:00 PM today")."""
    blocks: list[Block] = []
    if raised.urgent:
        blocks.append(
            section(
                ":rotating_light: *Call 999 now* if anyone is in immediate danger. "
                "We have alerted the safeguarding team, but they cannot send help."
            )
        )
    noun = "safeguarding concern" if raised.kind is ConcernKind.SAFEGUARDING else "concern"
    team = "the safeguarding team" if raised.kind is ConcernKind.SAFEGUARDING else "a guardian"
    if raised.replayed:
        blocks.append(section(REPLAYED_NO_CONTACT.format(noun=noun)))
        view = View(type="modal", title="Already received", close="Done", blocks=blocks)
        return view.to_dict()
    if raised.duplicate:
        lead = f"We already have this {noun}: your reference is *{raised.reference}*."
    else:
        lead = f"Thank you. Your {noun} is safely with us. Your reference is *{raised.reference}*."
    blocks.append(section(lead))
    if raised.receipt:
        blocks.append(
            section(
                f"*Your receipt: `{raised.receipt}`*\n"
                + "*Copy this now: we cannot show it again.* Nothing links this concern to "
                "you, so this receipt is the only way to check on it: type "
                f"`/speakup status {raised.receipt}` at any time to see progress and "
                "answer the guardians' questions."
            )
        )
    else:
        blocks.append(
            section(
                f"{team[:1].upper() + team[1:]} will acknowledge it {ack_promise}. "
                "We will message you here with every update, and `/speakup status` shows "
                "where it is."
            )
        )
    view = View(type="modal", title="Concern sent", close="Done", blocks=blocks)
    return view.to_dict()  # validates against Block Kit's limits first
