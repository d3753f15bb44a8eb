"""Block Kit as Slack judges it: the problems Slack would refuse a block list or a view for,
in Slack's own `[ERROR] ... [json-pointer:...]` words."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

JsonDict = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_SECTION_FIELD = 2000
MAX_VIEW_BYTES = 250_000
VIEW_TOO_LARGE = "view_too_large"


def block_problems(blocks: object) -> list[str]:
    """Problems Slack would refuse a block list for, as far as slack_sdk and we can tell."""
    if not isinstance(blocks, list):
        return ["[ERROR] blocks must be an array"]
    problems: list[str] = []
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            problems.append(f"[ERROR] block {index} must be an object")
            continue
        if block.get("type") == "section":
            # slack_sdk checks section text length but not the length of each field.
            for f_index, fld in enumerate(block.get("fields") or []):
                if isinstance(fld, dict) and len(str(fld.get("text", ""))) > MAX_SECTION_FIELD:
                    problems.append(
                        f"[ERROR] must be less than {MAX_SECTION_FIELD + 1} characters "
                        f"[json-pointer:/blocks/{index}/fields/{f_index}/text]"
                    )
        try:
            parsed = Block.parse(block)
            if parsed is not None:
                _validate_model(parsed)
        except SlackObjectFormationError as exc:
            problems.append(f"[ERROR] {exc} [json-pointer:/blocks/{index}]")
        except Exception:  # noqa: S112
            # slack_sdk's models lag behind Slack; what they cannot parse we let through.
            continue
    return problems


def message_block_problems(blocks: object) -> list[str]:
    """Problems with a message's blocks, the 50-block limit included."""
    if isinstance(blocks, list) and len(blocks) > MAX_MESSAGE_BLOCKS:
        return [f"[ERROR] no more than {MAX_MESSAGE_BLOCKS} items allowed"]
    return block_problems(blocks)


def _validate_model(obj: object) -> None:
    # JsonObject.validate_json checks one level only; limits on nested elements
    # (button text, option text, ...) live on the children.
    if isinstance(obj, JsonObject):
        obj.validate_json()
        for name in sorted(getattr(obj, "attributes", ())):
            _validate_model(getattr(obj, name, None))
    elif isinstance(obj, list | tuple):
        for item in obj:
            _validate_model(item)


def view_problems(view: JsonDict) -> list[str]:
    """Problems with a modal or Home tab; `[VIEW_TOO_LARGE]` alone when it is too big to read."""
    problems: list[str] = []
    if len(json.dumps(view)) > MAX_VIEW_BYTES:
        return [VIEW_TOO_LARGE]
    try:
        View(**view).validate_json()
    except SlackObjectFormationError as exc:
        problems.append(f"[ERROR] {exc}")
    except Exception:  # noqa: S110
        # An unparseable view is judged by the checks below alone.
        pass
    blocks = view.get("blocks", [])
    problems.extend(block_problems(blocks))
    has_input = isinstance(blocks, list) and any(
        isinstance(b, dict) and b.get("type") == "input" for b in blocks
    )
    if view.get("type") == "modal":
        if not view.get("title"):
            problems.append("[ERROR] missing required field: title [json-pointer:/view/title]")
        if has_input and not view.get("submit"):
            problems.append(
                "[ERROR] submit is required when an input block is present "
                "[json-pointer:/view/submit]"
            )
    return problems
