"""The raise modal: its two forms (speak up, safeguarding) and the confirmation view."""

from __future__ import annotations

from typing import Any

import structlog
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.taxonomy import (
    AT_RISK,
    DESCRIPTION_MAX,
    DETRIMENT_ANSWERS,
    ELEMENTS,
    IDENTITY_EXPLANATIONS,
    IDENTITY_LABELS,
    MEDIUM_TEXT_MAX,
    PROFESSIONAL_GROUPS,
    SHORT_TEXT_MAX,
    WORKER_TYPES,
    ConcernKind,
    IdentityMode,
)
from bot.flows.raising import RaisedConcern
from bot.slack.copy import EMERGENCY_LINE, HONESTY_LINE
from bot.slack.ids import Action, Callback
from bot.slack.ids import Block as B

log = structlog.stdlib.get_logger(__name__)

INCIDENT_NUMBER_MAX = 40

# Slack's own limits on what a select may offer.
OPTION_TEXT_MAX = 75
OPTIONS_MAX = 100
CHECKBOXES_MAX = 10

# Plain words under each recording element (Slack caps option descriptions at 75 characters).
_ELEMENT_HELP = {
    "patient_safety": "Care that could harm patients or falls short of what it should be.",
    "bullying_harassment": "Being picked on, intimidated, humiliated or harassed at work.",
    "attitudes_behaviours": "Discrimination, rudeness or conduct that is not acceptable here.",
    "worker_safety": "Your or colleagues' health, safety, workload or wellbeing.",
    "other": "Anything else that gets in the way of good care or good work.",
}

# Short option descriptions (Slack caps them at 75 characters); the full text sits above.
_IDENTITY_SHORT = {
    IdentityMode.OPEN: "Guardians know it's you and may share your name to act.",
    IdentityMode.CONFIDENTIAL: "Guardians know it's you; your name isn't shared without consent.",
    IdentityMode.ANONYMOUS_FOLLOW_UP: "Nobody sees who you are; you still get updates.",
    IdentityMode.ANONYMOUS_NO_CONTACT: "No link to you at all; check on it with a receipt.",
}


def options_of(choices: dict[str, str]) -> list[Option]:
    return [Option(value=value, text=label) for value, label in choices.items()]


def offered_sites(sites: list[str]) -> list[str]:
    """The configured sites a select can offer: each fits an option, no repeats, at most 100."""
    usable = [s for s in dict.fromkeys(site.strip() for site in sites) if s]
    fitting = [s for s in usable if len(s) <= OPTION_TEXT_MAX]
    if len(fitting) != len(usable):
        log.warning("raise_form.sites_too_long", dropped=len(usable) - len(fitting))
    return fitting[:OPTIONS_MAX]


def elements_element() -> CheckboxesElement | StaticMultiSelectElement:
    """Checkboxes, so each element can carry its plain-words description; a multi-select
    if the list ever outgrows what checkboxes allow."""
    if len(ELEMENTS) <= CHECKBOXES_MAX:
        return CheckboxesElement(
            action_id=B.ELEMENTS,
            options=[
                Option(value=value, text=label, description=_ELEMENT_HELP.get(value))
                for value, label in ELEMENTS.items()
            ],
        )
    return StaticMultiSelectElement(
        action_id=B.ELEMENTS, placeholder="Choose one or more", options=options_of(ELEMENTS)
    )


def text_input(
    block_id: str, label: str, *, max_length: int, multiline: bool, optional: bool, hint: str = ""
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=PlainTextObject(text=hint) if hint else None,
        element=PlainTextInputElement(
            action_id=block_id, multiline=multiline, max_length=max_length
        ),
    )


def _identity_blocks() -> list[Block]:
    explanation = "\n".join(
        f"*{IDENTITY_LABELS[mode]}*: {IDENTITY_EXPLANATIONS[mode]}" for mode in IdentityMode
    )
    return [
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text="*Who will know it was you?*\n" + explanation)),
        InputBlock(
            block_id=B.IDENTITY,
            label="How identifiable do you want to be?",
            element=RadioButtonsElement(
                action_id=B.IDENTITY,
                options=[
                    Option(
                        value=mode.value,
                        text=IDENTITY_LABELS[mode],
                        description=_IDENTITY_SHORT[mode],
                    )
                    for mode in IdentityMode
                ],
            ),
        ),
        ContextBlock(elements=[MarkdownTextObject(text=HONESTY_LINE)]),
    ]


def _profession_block() -> InputBlock:
    return InputBlock(
        block_id=B.PROFESSIONAL_GROUP,
        label="Your staff group (optional)",
        optional=True,
        hint=PlainTextObject(text="Only used in anonymous statistics."),
        element=StaticSelectElement(
            action_id=B.PROFESSIONAL_GROUP, options=options_of(PROFESSIONAL_GROUPS)
        ),
    )


def worker_type_block(label: str = "How you work here (optional)") -> InputBlock:
    return InputBlock(
        block_id=B.WORKER_TYPE,
        label=label,
        optional=True,
        hint=PlainTextObject(text="Only used in anonymous statistics."),
        element=StaticSelectElement(action_id=B.WORKER_TYPE, options=options_of(WORKER_TYPES)),
    )


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
        SectionBlock(
            text=MarkdownTextObject(
                text="Tell a Freedom to Speak Up guardian what worries you. "
                "It takes about a minute.\n" + EMERGENCY_LINE
            ),
        ),
        SectionBlock(text=MarkdownTextObject(text=elsewhere))
        if safeguarding_elsewhere is not None
        else ActionsBlock(elements=[button]),
        InputBlock(
            block_id=B.ELEMENTS,
            label="What is it about?",
            hint=PlainTextObject(text="Choose all that apply."),
            element=elements_element(),
        ),
        text_input(
            B.DESCRIPTION,
            "What happened?",
            max_length=DESCRIPTION_MAX,
            multiline=True,
            optional=False,
            hint="Only guardians can read this. It is encrypted as soon as you send it.",
        ),
        *_identity_blocks(),
        DividerBlock(),
        HeaderBlock(text="Optional detail"),
    ]
    sites = offered_sites(sites)
    if sites:
        blocks.append(
            InputBlock(
                block_id=B.SITE,
                label="Site or directorate (optional)",
                optional=True,
                element=StaticSelectElement(
                    action_id=B.SITE, options=[Option(value=s, text=s) for s in sites]
                ),
            )
        )
    blocks += [
        text_input(
            B.LOCATION,
            "Where did it happen? (optional)",
            max_length=SHORT_TEXT_MAX,
            multiline=False,
            optional=True,
            hint="Station, department or ward.",
        ),
        InputBlock(
            block_id=B.HAPPENED_ON,
            label="When did it happen? (optional)",
            optional=True,
            element=DatePickerElement(action_id=B.HAPPENED_ON),
        ),
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
        InputBlock(
            block_id=B.DETRIMENT,
            label="Treated worse for speaking up? (optional)",
            optional=True,
            hint=PlainTextObject(
                text="Do you feel you have suffered detriment for speaking up before?"
            ),
            element=RadioButtonsElement(
                action_id=B.DETRIMENT, options=options_of(DETRIMENT_ANSWERS)
            ),
        ),
        _profession_block(),
        worker_type_block(),
    ]
    return _modal(Callback.RAISE_SPEAK_UP, "Speak up", blocks, metadata)


def safeguarding_form(*, metadata: str) -> dict[str, Any]:
    """The safeguarding form: who is at risk, immediate danger, where, what happened."""
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=EMERGENCY_LINE)),
        SectionBlock(
            text=MarkdownTextObject(
                text="Use this if a patient, a colleague or anyone else may be at risk of harm, "
                "abuse or neglect. The safeguarding team sees it straight away."
            )
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
        InputBlock(
            block_id=B.AT_RISK,
            label="Who is at risk?",
            element=RadioButtonsElement(action_id=B.AT_RISK, options=options_of(AT_RISK)),
        ),
        InputBlock(
            block_id=B.IMMEDIATE_DANGER,
            label="Is anyone in immediate danger?",
            element=RadioButtonsElement(
                action_id=B.IMMEDIATE_DANGER,
                options=[
                    Option(value="yes", text="Yes, right now"),
                    Option(value="no", text="No"),
                ],
            ),
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
        text_input(
            B.DESCRIPTION,
            "What happened?",
            max_length=DESCRIPTION_MAX,
            multiline=True,
            optional=False,
            hint="Only the safeguarding team can read this. It is encrypted when you send it.",
        ),
        *_identity_blocks(),
        _profession_block(),
    ]
    return _modal(Callback.RAISE_SAFEGUARDING, "Safeguarding concern", blocks, metadata)


def _modal(callback_id: str, title: str, blocks: list[Block], metadata: str) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit="Send",
        close="Cancel",
        blocks=blocks,
        private_metadata=metadata,
    )
    return view.to_dict()  # validates against Block Kit's limits first


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
            SectionBlock(
                text=MarkdownTextObject(
                    text=":rotating_light: *Call 999 now* if anyone is in immediate danger. "
                    "We have alerted the safeguarding team, but they cannot send help."
                )
            )
        )
    noun = "safeguarding concern" if raised.kind is ConcernKind.SAFEGUARDING else "concern"
    team = "the safeguarding team" if raised.kind is ConcernKind.SAFEGUARDING else "a guardian"
    if raised.replayed:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=REPLAYED_NO_CONTACT.format(noun=noun)))
        )
        view = View(type="modal", title="Already received", close="Done", blocks=blocks)
        return view.to_dict()
    if raised.duplicate:
        lead = f"We already have this {noun}: your reference is *{raised.reference}*."
    else:
        lead = f"Thank you. Your {noun} is safely with us. Your reference is *{raised.reference}*."
    blocks.append(SectionBlock(text=MarkdownTextObject(text=lead)))
    if raised.receipt:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*Your receipt: `{raised.receipt}`*\n"
                    + "*Copy this now: we cannot show it again.* Nothing links this concern to "
                    "you, so this receipt is the only way to check on it: type "
                    f"`/speakup status {raised.receipt}` at any time to see progress and "
                    "answer the guardians' questions."
                )
            )
        )
    else:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"{team[:1].upper() + team[1:]} will acknowledge it {ack_promise}. "
                    "We will message you here with every update, and `/speakup status` shows "
                    "where it is."
                )
            )
        )
    view = View(type="modal", title="Concern sent", close="Done", blocks=blocks)
    return view.to_dict()  # validates against Block Kit's limits first
