"""A view's `state.values` as Slack builds it from what a person entered, and the checks
Slack's own client makes before it lets a form be submitted."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.demo.simulator.block_elements import (
    EXTERNAL,
    MULTI_OPTION,
    MULTI_PICK,
    SINGLE_OPTION,
    SINGLE_PICK,
    STATEFUL,
    TEXT_INPUTS,
    Located,
    auto_block_id,
    blocks_of,
    iter_elements,
    locate,
    options_of,
)

JsonDict = dict[str, Any]


def pick_option(element: Mapping[str, Any], value: object, action_id: str) -> JsonDict:
    """The option object Slack reports when a person picks `value` in this element."""
    if not isinstance(value, str):
        raise ValueError(f"{action_id!r} takes one option value (a str), got {value!r}")
    if element.get("type") in EXTERNAL:
        # Options come from the app's options listener, so any value may be offered.
        return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}
    for option in options_of(element):
        if option.get("value") == value:
            return copy.deepcopy(option)
    offered = ", ".join(repr(o.get("value")) for o in options_of(element))
    raise ValueError(f"{action_id!r} does not offer {value!r}; it offers: {offered or 'nothing'}")


def _as_list(value: object, action_id: str) -> list[object]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"{action_id!r} takes a list of values, got {value!r}")
    return list(value)


def state_fields(element: Mapping[str, Any], action_id: str, supplied: object) -> JsonDict:
    """The value-carrying fields of one element's state entry.

    `supplied` is _UNSET when the user left the element alone: then it holds its
    initial value, or Slack's empty shape.
    """
    kind = str(element.get("type"))
    unset = supplied is _UNSET
    if kind in TEXT_INPUTS:
        value = element.get("initial_value") if unset else supplied
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{action_id!r} is a text input; give it a str, got {value!r}")
        return {"value": value if value != "" else None}
    if kind == "rich_text_input":
        if unset:
            return {"rich_text_value": copy.deepcopy(element.get("initial_value"))}
        if not isinstance(supplied, str):
            raise ValueError(f"{action_id!r} is a rich text input; give it a str")
        return {"rich_text_value": _rich_text(supplied)}
    if kind in SINGLE_OPTION:
        if unset:
            return {"selected_option": copy.deepcopy(element.get("initial_option"))}
        if supplied is None:
            return {"selected_option": None}
        return {"selected_option": pick_option(element, supplied, action_id)}
    if kind in MULTI_OPTION:
        if unset:
            return {"selected_options": copy.deepcopy(element.get("initial_options") or [])}
        chosen = [pick_option(element, v, action_id) for v in _as_list(supplied, action_id)]
        return {"selected_options": chosen}
    if kind in SINGLE_PICK:
        state_field, initial_field = SINGLE_PICK[kind]
        value = element.get(initial_field) if unset else supplied
        if kind == "datepicker" and value is not None:
            _check_date(value, action_id)
        return {state_field: value}
    if kind in MULTI_PICK:
        state_field, initial_field = MULTI_PICK[kind]
        if unset:
            return {state_field: list(element.get(initial_field) or [])}
        return {state_field: [str(v) for v in _as_list(supplied, action_id)]}
    raise ValueError(f"{action_id!r} is a {kind}, which holds no value a user can enter")


def _check_date(value: object, action_id: str) -> None:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{action_id!r} is a datepicker; give it 'YYYY-MM-DD', not {value!r}"
        ) from None


def _rich_text(text: str) -> JsonDict:
    return {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
    }


class _Unset:
    pass


_UNSET: Any = _Unset()


def _is_empty(fields: Mapping[str, Any]) -> bool:
    return all(v is None or v == [] for v in fields.values())


def _client_check(block: Mapping[str, Any], located: Located, fields: Mapping[str, Any]) -> None:
    """Refuse what Slack's own client would not let a person submit."""
    element = located.element
    label = repr(located.action_id)
    if block.get("type") == "input" and not block.get("optional") and _is_empty(fields):
        raise ValueError(f"{label} is required; Slack would not submit the form without it")
    value = fields.get("value")
    if isinstance(value, str):
        if "max_length" in element and len(value) > int(element["max_length"]):
            raise ValueError(f"{label} is longer than its max_length {element['max_length']}")
        if "min_length" in element and len(value) < int(element["min_length"]):
            raise ValueError(f"{label} is shorter than its min_length {element['min_length']}")
    selected = fields.get("selected_options")
    limit = element.get("max_selected_items")
    if isinstance(selected, list) and limit is not None and len(selected) > int(limit):
        raise ValueError(f"{label} allows at most {limit} selections")


def view_state_values(
    source: object,
    values: Mapping[str, object] | None = None,
    *,
    client_checks: bool = False,
) -> dict[str, dict[str, JsonDict]]:
    """Build `state.values` for a view or message as Slack would, from what a user entered.

    `values` maps action_id (or "block_id.action_id") to: a str for text inputs, an
    option value for selects and radio buttons, a list of option values for multi
    selects and checkboxes, a user id for users_select, "YYYY-MM-DD" for datepickers.
    """
    blocks = blocks_of(source)
    supplied: dict[tuple[str, str], object] = {}
    for key, value in (values or {}).items():
        located = locate(blocks, key, stateful_only=True)
        supplied[(located.block_id, located.action_id)] = value
    state: dict[str, dict[str, JsonDict]] = {}
    block_by_id = {
        str(b.get("block_id") or auto_block_id(i)): b
        for i, b in enumerate(blocks)
        if isinstance(b, dict)
    }
    for located in iter_elements(blocks):
        kind = located.element.get("type")
        if kind not in STATEFUL:
            continue
        given = supplied.get((located.block_id, located.action_id), _UNSET)
        fields = state_fields(located.element, located.action_id, given)
        if client_checks:
            _client_check(block_by_id[located.block_id], located, fields)
        state.setdefault(located.block_id, {})[located.action_id] = {"type": kind, **fields}
    return state
