"""Reading a submitted view's state defensively: anything not shaped as Slack sends it reads
as empty, so odd input becomes a field error, never a crash."""

from __future__ import annotations

from typing import Any

from bot.slack.raise_parsing import state_values


def value_of(view: Any, block: str) -> dict[str, Any]:
    """The state of the element whose block id and action id are both `block`."""
    block_state = state_values(view).get(block)
    element = block_state.get(block) if isinstance(block_state, dict) else None
    return element if isinstance(element, dict) else {}


def selected_value(view: Any, block: str) -> str | None:
    """The chosen option's value, only if it is a string."""
    option = value_of(view, block).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None
