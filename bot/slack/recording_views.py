"""View details' buttons, and the form that corrects a concern's recorded fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.taxonomy import (
    DETRIMENT_ANSWERS,
    ELEMENTS,
    PROFESSIONAL_GROUPS,
    WORKER_TYPES,
)
from bot.flows.recording_fields import RecordingFields
from bot.slack.ids import Action, Callback
from bot.slack.ids import Block as B


def details_buttons(concern_id: str, *, hold: bool | None) -> ActionsBlock:
    """View details' buttons: Edit recording, and for a lead (`hold` not None) the legal hold
    button that places it (True) or lifts it (False)."""
    elements = [
        ButtonElement(action_id=Action.EDIT_RECORDING, text="Edit recording", value=concern_id)
    ]
    if hold is not None:
        elements.append(legal_hold_button(concern_id, place=hold))
    return ActionsBlock(elements=elements)


def legal_hold_button(concern_id: str, *, place: bool) -> ButtonElement:
    if place:
        return ButtonElement(
            action_id=Action.PLACE_LEGAL_HOLD,
            text="Place legal hold",
            value=concern_id,
            confirm=ConfirmObject(
                title="Place a legal hold?",
                text="Its details will be kept past its retention period until the hold is "
                "lifted. This is audited with your name.",
                confirm="Place hold",
                deny="Cancel",
            ),
        )
    return ButtonElement(
        action_id=Action.LIFT_LEGAL_HOLD,
        text="Lift legal hold",
        value=concern_id,
        confirm=ConfirmObject(
            title="Lift the legal hold?",
            text="Its retention period applies again: if that is past, its details are "
            "destroyed at the next daily run. This is audited with your name.",
            confirm="Lift hold",
            deny="Cancel",
        ),
    )


def _options(choices: dict[str, str]) -> list[Option]:
    return [Option(value=value, text=label) for value, label in choices.items()]


def _initial(choices: dict[str, str], value: str | None) -> Option | None:
    return Option(value=value, text=choices[value]) if value in choices and value else None


def edit_recording_view(
    reference: str, metadata: str, fields: RecordingFields, *, today: date
) -> dict[str, Any]:
    chosen = [Option(value=e, text=ELEMENTS[e]) for e in fields.elements if e in ELEMENTS]
    blocks: list[Block] = [
        SectionBlock(
            text="Correct what is recorded for the returns. Every change is recorded in the "
            "audit log with your name."
        ),
        InputBlock(
            block_id=B.ELEMENTS,
            label="What is it about?",
            optional=True,
            element=CheckboxesElement(
                action_id=B.ELEMENTS, options=_options(ELEMENTS), initial_options=chosen or None
            ),
        ),
        InputBlock(
            block_id=B.PROFESSIONAL_GROUP,
            label="Staff group",
            optional=True,
            element=StaticSelectElement(
                action_id=B.PROFESSIONAL_GROUP,
                options=_options(PROFESSIONAL_GROUPS),
                initial_option=_initial(PROFESSIONAL_GROUPS, fields.professional_group),
            ),
        ),
        InputBlock(
            block_id=B.WORKER_TYPE,
            label="Worker type",
            optional=True,
            element=StaticSelectElement(
                action_id=B.WORKER_TYPE,
                options=_options(WORKER_TYPES),
                initial_option=_initial(WORKER_TYPES, fields.worker_type),
            ),
        ),
        InputBlock(
            block_id=B.DETRIMENT,
            label="Detriment for speaking up?",
            optional=True,
            element=RadioButtonsElement(
                action_id=B.DETRIMENT,
                options=_options(DETRIMENT_ANSWERS),
                initial_option=_initial(DETRIMENT_ANSWERS, fields.detriment),
            ),
        ),
        InputBlock(
            block_id=B.DETRIMENT_ON,
            label="When was detriment indicated?",
            optional=True,
            hint=PlainTextObject(text="Only if it was; it can arise at any point in a case."),
            element=DatePickerElement(
                action_id=B.DETRIMENT_ON,
                initial_date=(fields.detriment_on or today).isoformat()
                if fields.detriment == "yes"
                else None,
            ),
        ),
    ]
    view = View(
        type="modal",
        callback_id=Callback.EDIT_RECORDING,
        title=f"Recording {reference}"[:24],
        submit="Save",
        close="Cancel",
        blocks=blocks,
        private_metadata=metadata,
    )
    return view.to_dict()


def _field(state: dict[str, Any], block: str) -> dict[str, Any]:
    outer = state.get(block)
    inner = outer.get(block) if isinstance(outer, dict) else None
    return inner if isinstance(inner, dict) else {}


def _option_value(state: dict[str, Any], block: str) -> str | None:
    option = _field(state, block).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def parse_edit(state: dict[str, Any]) -> tuple[RecordingFields | None, dict[str, str]]:
    """The corrected fields as typed (checked by the flow), or a field error if unreadable."""
    raw = _field(state, B.ELEMENTS).get("selected_options") or []
    elements = tuple(
        str(o.get("value")) for o in raw if isinstance(o, dict) and isinstance(o.get("value"), str)
    )
    picked = _field(state, B.DETRIMENT_ON).get("selected_date")
    try:
        detriment_on = date.fromisoformat(picked) if isinstance(picked, str) else None
    except ValueError:
        return None, {B.DETRIMENT_ON: "Pick a date from the calendar."}
    return (
        RecordingFields(
            elements=elements,
            professional_group=_option_value(state, B.PROFESSIONAL_GROUP),
            worker_type=_option_value(state, B.WORKER_TYPE),
            detriment=_option_value(state, B.DETRIMENT),
            detriment_on=detriment_on,
        ),
        {},
    )
