"""The raise modal: its two forms (speak up, safeguarding), parsing, and the confirmation view."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
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

from bot.ids import Action, Callback
from bot.ids import Block as B
from bot.raising import RaisedConcern, RaiseRequest
from bot.taxonomy import (
    AT_RISK,
    DESCRIPTION_MAX,
    DETRIMENT_ANSWERS,
    ELEMENTS,
    IDENTITY_EXPLANATIONS,
    IDENTITY_LABELS,
    MEDIUM_TEXT_MAX,
    PROFESSIONAL_GROUPS,
    SHORT_TEXT_MAX,
    ConcernKind,
    IdentityMode,
)

EMERGENCY_LINE = (
    ":rotating_light: *If anyone is in immediate danger, call 999 now.* "
    "This app never replaces 999."
)
HONESTY_LINE = (
    "What the app can and cannot promise: the trust's IT team who run this bot hold the keys "
    "that unlock concerns; Slack itself can see that you used the app, but not what you chose "
    "here; anonymous concerns are harder to investigate and to give feedback on."
)

# Short option descriptions (Slack caps them at 75 characters); the full text sits above.
_IDENTITY_SHORT = {
    IdentityMode.OPEN: "Guardians know it's you and may share your name to act.",
    IdentityMode.CONFIDENTIAL: "Guardians know it's you; your name isn't shared without consent.",
    IdentityMode.ANONYMOUS_FOLLOW_UP: "Nobody sees who you are; you still get updates.",
    IdentityMode.ANONYMOUS_NO_CONTACT: "No link to you at all; check on it with a receipt.",
}


def _options(choices: dict[str, str]) -> list[Option]:
    return [Option(value=value, text=label) for value, label in choices.items()]


def _text_input(
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
            action_id=B.PROFESSIONAL_GROUP, options=_options(PROFESSIONAL_GROUPS)
        ),
    )


def speak_up_form(*, sites: list[str], metadata: str) -> dict[str, Any]:
    """The speak-up form: what it is about, what happened, identity, optional detail."""
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="Tell a Freedom to Speak Up guardian what worries you. "
                "It takes about a minute.\n" + EMERGENCY_LINE
            ),
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    action_id=Action.SWITCH_TO_SAFEGUARDING,
                    text="Someone is at risk of harm",
                    value="safeguarding",
                )
            ]
        ),
        InputBlock(
            block_id=B.ELEMENTS,
            label="What is it about?",
            hint=PlainTextObject(text="Choose all that apply."),
            element=StaticMultiSelectElement(
                action_id=B.ELEMENTS,
                placeholder="Choose one or more",
                options=_options(ELEMENTS),
            ),
        ),
        _text_input(
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
    if sites:
        blocks.append(
            InputBlock(
                block_id=B.SITE,
                label="Site or directorate (optional)",
                optional=True,
                element=StaticSelectElement(
                    action_id=B.SITE, options=[Option(value=s, text=s) for s in sites[:100]]
                ),
            )
        )
    blocks += [
        _text_input(
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
        _text_input(
            B.RAISED_BEFORE,
            "Have you raised it before? With whom? (optional)",
            max_length=SHORT_TEXT_MAX,
            multiline=False,
            optional=True,
        ),
        _text_input(
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
            element=RadioButtonsElement(action_id=B.DETRIMENT, options=_options(DETRIMENT_ANSWERS)),
        ),
        _profession_block(),
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
            element=RadioButtonsElement(action_id=B.AT_RISK, options=_options(AT_RISK)),
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
        _text_input(
            B.LOCATION,
            "Where?",
            max_length=SHORT_TEXT_MAX,
            multiline=False,
            optional=False,
            hint="Address, station or ward, as precisely as you can. 'Not known' is fine.",
        ),
        _text_input(
            B.INCIDENT_NUMBER,
            "CAD or incident number (optional)",
            max_length=40,
            multiline=False,
            optional=True,
        ),
        _text_input(
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
    view.validate_json()
    return view.to_dict()


# --- parsing -------------------------------------------------------------------------------

_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn"}
_ALLOWED_CONTROLS = {"\n", "\t"}


@dataclass(frozen=True)
class FormResult:
    request: RaiseRequest | None
    errors: dict[str, str]


def clean_text(value: Any, *, limit: int, required: bool, label: str) -> tuple[str | None, str]:
    """(text, error) — trims, rejects control characters and overlong text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, (f"Please tell us {label}." if required else "")
    if not isinstance(value, str):
        return None, "This answer could not be read. Please type it again."
    text = unicodedata.normalize("NFC", value.strip())
    if len(text) > limit:
        return None, f"Please keep this under {limit} characters (it is {len(text)})."
    if any(
        unicodedata.category(ch) in _FORBIDDEN_CATEGORIES and ch not in _ALLOWED_CONTROLS
        for ch in text
    ):
        return None, "This contains hidden control characters. Please retype it."
    return text, ""


def _value(state: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = state.get(block_id)
    if not isinstance(block, dict):
        return {}
    element = block.get(block_id)
    return element if isinstance(element, dict) else {}


def _selected(state: dict[str, Any], block_id: str, allowed: set[str]) -> str | None:
    option = _value(state, block_id).get("selected_option")
    if isinstance(option, dict) and option.get("value") in allowed:
        return str(option["value"])
    return None


def parse_submission(kind: ConcernKind, state: dict[str, Any], *, sites: list[str]) -> FormResult:
    """Turn a raise view's state values into a RaiseRequest, or field errors by block id."""
    errors: dict[str, str] = {}

    def text(block_id: str, *, limit: int, required: bool, label: str) -> str | None:
        value, error = clean_text(
            _value(state, block_id).get("value"), limit=limit, required=required, label=label
        )
        if error:
            errors[block_id] = error
        return value

    description = text(B.DESCRIPTION, limit=DESCRIPTION_MAX, required=True, label="what happened")
    identity = _selected(state, B.IDENTITY, {mode.value for mode in IdentityMode})
    if identity is None:
        errors[B.IDENTITY] = "Please choose how identifiable you want to be."
    group = _selected(state, B.PROFESSIONAL_GROUP, set(PROFESSIONAL_GROUPS))

    if kind is ConcernKind.SPEAK_UP:
        raw = _value(state, B.ELEMENTS).get("selected_options") or []
        elements = tuple(
            dict.fromkeys(
                str(o.get("value"))
                for o in raw
                if isinstance(o, dict) and o.get("value") in ELEMENTS
            )
        )
        if not elements or len(elements) != len(raw):
            errors[B.ELEMENTS] = "Please choose at least one option from the list."
        location = text(B.LOCATION, limit=SHORT_TEXT_MAX, required=False, label="where")
        happened_on = _parse_date(_value(state, B.HAPPENED_ON).get("selected_date"), errors)
        raised_before = text(
            B.RAISED_BEFORE, limit=SHORT_TEXT_MAX, required=False, label="who you told"
        )
        hoped = text(B.HOPED_OUTCOME, limit=MEDIUM_TEXT_MAX, required=False, label="the outcome")
        site = _selected(state, B.SITE, set(sites)) if sites else None
        if errors or description is None or identity is None:
            return FormResult(None, errors)
        return FormResult(
            RaiseRequest(
                kind=kind,
                identity_mode=IdentityMode(identity),
                description=description,
                elements=elements,
                location=location,
                happened_on=happened_on,
                raised_before=raised_before,
                hoped_outcome=hoped,
                detriment=_selected(state, B.DETRIMENT, set(DETRIMENT_ANSWERS)),
                professional_group=group,
                site=site,
            ),
            {},
        )

    at_risk = _selected(state, B.AT_RISK, set(AT_RISK))
    if at_risk is None:
        errors[B.AT_RISK] = "Please tell us who is at risk (choose 'Not sure' if you don't know)."
    danger = _selected(state, B.IMMEDIATE_DANGER, {"yes", "no"})
    if danger is None:
        errors[B.IMMEDIATE_DANGER] = "Please tell us whether anyone is in immediate danger."
    location = text(B.LOCATION, limit=SHORT_TEXT_MAX, required=True, label="where")
    incident = text(B.INCIDENT_NUMBER, limit=40, required=False, label="the incident number")
    if errors or description is None or identity is None or at_risk is None:
        return FormResult(None, errors)
    return FormResult(
        RaiseRequest(
            kind=kind,
            identity_mode=IdentityMode(identity),
            description=description,
            location=location,
            at_risk=at_risk,
            immediate_danger=danger == "yes",
            incident_number=incident,
            professional_group=group,
        ),
        {},
    )


def _parse_date(value: Any, errors: dict[str, str]) -> str | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        errors[B.HAPPENED_ON] = "Please pick a date from the calendar."
        return None
    if day > datetime.now().date():
        errors[B.HAPPENED_ON] = "That date is in the future."
        return None
    return day.isoformat()


# --- confirmation --------------------------------------------------------------------------


def confirmation_view(raised: RaisedConcern, *, ack_due_text: str) -> dict[str, Any]:
    """What the reporter sees after sending: reference first, 999 first of all if urgent."""
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
                    "*Copy this now: we cannot show it again.* Nothing links this concern to "
                    "you, so this receipt is the only way to check on it: type "
                    f"`/speakup status {raised.receipt}` at any time to see progress and "
                    "answer the guardians' questions."
                )
            )
        )
    elif raised.duplicate and raised.identity_mode is IdentityMode.ANONYMOUS_NO_CONTACT:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="Your receipt was shown when you first sent it; for your protection "
                    "it cannot be shown again."
                )
            )
        )
    else:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"{team.capitalize()} will acknowledge it by {ack_due_text}. "
                    "We will message you here with every update, and `/speakup status` shows "
                    "where it is."
                )
            )
        )
    view = View(type="modal", title="Concern sent", close="Done", blocks=blocks)
    view.validate_json()
    return view.to_dict()
