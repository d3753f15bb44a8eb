"""View details' buttons, and the form that corrects a concern's recorded fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ConfirmObject, SectionBlock

from bot.domain.taxonomy import (
    DETRIMENT_ANSWERS,
    ELEMENTS,
    PROFESSIONAL_GROUPS,
    WORKER_TYPES,
)
from bot.flows.recording_fields import RecordingFields
from bot.slack.form_blocks import checkboxes_input, date_input, modal, radio_input, select_input
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


# Each legal hold button's words: its label, and the confirmation's title, text and button.
_LEGAL_HOLD_WORDS = {
    Action.PLACE_LEGAL_HOLD: (
        "Place legal hold",
        "Place a legal hold?",
        "Its details will be kept past its retention period until the hold is lifted. This is "
        "audited with your name.",
        "Place hold",
    ),
    Action.LIFT_LEGAL_HOLD: (
        "Lift legal hold",
        "Lift the legal hold?",
        "Its retention period applies again: if that is past, its details are destroyed at the "
        "next daily run. This is audited with your name.",
        "Lift hold",
    ),
}


def legal_hold_button(concern_id: str, *, place: bool) -> ButtonElement:
    action = Action.PLACE_LEGAL_HOLD if place else Action.LIFT_LEGAL_HOLD
    label, title, text, confirm = _LEGAL_HOLD_WORDS[action]
    return ButtonElement(
        action_id=action,
        text=label,
        value=concern_id,
        confirm=ConfirmObject(title=title, text=text, confirm=confirm, deny="Cancel"),
    )


def edit_recording_view(
    reference: str, metadata: str, fields: RecordingFields, *, today: date
) -> dict[str, Any]:
    detriment_on = (fields.detriment_on or today).isoformat() if fields.detriment == "yes" else None
    blocks: list[Block] = [
        SectionBlock(
            text="Correct what is recorded for the returns. Every change is recorded in the "
            "audit log with your name."
        ),
        checkboxes_input(
            B.ELEMENTS, "What is it about?", ELEMENTS, ticked=fields.elements, optional=True
        ),
        select_input(
            B.PROFESSIONAL_GROUP,
            "Staff group",
            PROFESSIONAL_GROUPS,
            optional=True,
            initial=fields.professional_group,
        ),
        select_input(
            B.WORKER_TYPE, "Worker type", WORKER_TYPES, optional=True, initial=fields.worker_type
        ),
        radio_input(
            B.DETRIMENT,
            "Detriment for speaking up?",
            DETRIMENT_ANSWERS,
            optional=True,
            initial=fields.detriment,
        ),
        date_input(
            B.DETRIMENT_ON,
            "When was detriment indicated?",
            optional=True,
            hint="Only if it was; it can arise at any point in a case.",
            initial=detriment_on,
        ),
    ]
    return modal(Callback.EDIT_RECORDING, f"Recording {reference}", blocks, metadata)


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
