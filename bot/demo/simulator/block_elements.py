"""Finding things in Block Kit as Slack's client shows them: every interactive element with
the block_id and action_id Slack would report, a button by its label, an input by its id."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]

TEXT_INPUTS = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_text_input"}
)
SINGLE_OPTION = frozenset({"static_select", "external_select", "radio_buttons"})
MULTI_OPTION = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
# element type -> (state field, initial field)
SINGLE_PICK = {
    "users_select": ("selected_user", "initial_user"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "channels_select": ("selected_channel", "initial_channel"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}
MULTI_PICK = {
    "multi_users_select": ("selected_users", "initial_users"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
}
STATEFUL = (
    TEXT_INPUTS
    | SINGLE_OPTION
    | MULTI_OPTION
    | frozenset(SINGLE_PICK)
    | frozenset(MULTI_PICK)
    | {"rich_text_input"}
)
EXTERNAL = frozenset({"external_select", "multi_external_select"})


@dataclass(frozen=True)
class Located:
    """An interactive element and the ids Slack reports for it."""

    block_id: str
    action_id: str
    element: JsonDict
    block_type: str


def auto_block_id(index: int) -> str:
    """The block_id of a block that has none."""
    # Slack invents ids for blocks that have none; ours are stable so state and actions agree.
    return f"sim-block-{index}"


def iter_elements(blocks: object) -> Iterator[Located]:
    """Every interactive element in a block list, with the ids Slack would report."""
    if not isinstance(blocks, list):
        return
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        block_id = str(block.get("block_id") or auto_block_id(index))
        block_type = str(block.get("type", ""))
        candidates: list[object] = []
        if block_type == "actions":
            candidates = list(block.get("elements") or [])
        elif block_type == "section" and block.get("accessory") is not None:
            candidates = [block["accessory"]]
        elif block_type == "input" and block.get("element") is not None:
            candidates = [block["element"]]
        for e_index, element in enumerate(candidates):
            if not isinstance(element, dict):
                continue
            action_id = str(element.get("action_id") or f"{block_id}-action-{e_index}")
            yield Located(block_id, action_id, element, block_type)


def blocks_of(source: object) -> list[Any]:
    if isinstance(source, list):
        return source
    if isinstance(source, Mapping):
        blocks = source.get("blocks")
        if isinstance(blocks, list):
            return blocks
        return []
    raise TypeError("expected a list of blocks, a view or a message")


def options_of(element: Mapping[str, Any]) -> list[JsonDict]:
    """A select's or choice group's options, those inside option groups included."""
    options = [o for o in element.get("options") or [] if isinstance(o, dict)]
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            options.extend(o for o in group.get("options") or [] if isinstance(o, dict))
    return options


def _text_of(element: Mapping[str, Any]) -> str | None:
    text = element.get("text")
    if isinstance(text, Mapping):
        return str(text.get("text", ""))
    return None


def locate_button(source: object, text_or_action_id: str) -> Located:
    located = [x for x in iter_elements(blocks_of(source)) if x.element.get("type") == "button"]
    for match in (
        lambda x: _text_of(x.element) == text_or_action_id,
        lambda x: x.action_id == text_or_action_id,
    ):
        found = [x for x in located if match(x)]
        if found:
            return found[0]
    labels = [f"{_text_of(x.element)!r} ({x.action_id})" for x in located]
    raise ValueError(
        f"no button {text_or_action_id!r}; buttons here: {', '.join(labels) or 'none'}"
    )


def find_button(source: object, text_or_action_id: str) -> JsonDict:
    """The button with this label (preferred) or action_id, in blocks, a view or a message."""
    return locate_button(source, text_or_action_id).element


def locate(blocks: list[Any], key: str, *, stateful_only: bool) -> Located:
    """Find an element by "action_id" or "block_id.action_id"."""
    located = list(iter_elements(blocks))
    if stateful_only:
        located = [x for x in located if x.element.get("type") in STATEFUL]
    exact = [x for x in located if f"{x.block_id}.{x.action_id}" == key]
    if exact:
        return exact[0]
    by_action = [x for x in located if x.action_id == key]
    if len(by_action) == 1:
        return by_action[0]
    if len(by_action) > 1:
        raise ValueError(
            f"action_id {key!r} is in several blocks; name it as "
            + " or ".join(repr(f"{x.block_id}.{x.action_id}") for x in by_action)
        )
    known = ", ".join(repr(x.action_id) for x in located) or "none"
    kind = "input" if stateful_only else "element"
    raise ValueError(f"no {kind} with action_id {key!r} here; there are: {known}")
