"""Block Kit input blocks written by hand, for tests that hand the Slack stand-in a view of
their own rather than one the app built."""

from __future__ import annotations

from typing import Any


def plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    """An input block as Slack documents it: `optional` appears only when it is true."""
    block: dict[str, Any] = {"type": "input", "block_id": block_id}
    if optional:
        block["optional"] = True
    return {**block, "label": plain_text(label), "element": element}


def choices(element_type: str, action_id: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    """A radio group, checkbox group or select offering `options`."""
    return {"type": element_type, "action_id": action_id, "options": options}
