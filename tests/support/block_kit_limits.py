"""Slack's Block Kit limits as checks: what in a view or message Slack would refuse.

The `harness` fixture runs these over every view and message a test made the app send.
"""

from __future__ import annotations

import json
from typing import Any

from tests.support.harness import Harness
from tests.support.raise_helpers import every_view_sent

LIMITS = {
    "title": 24,
    "blocks": 100,
    "message_blocks": 50,
    "section_text": 3000,
    "section_field": 2000,
    "fields": 10,
    "header": 150,
    "button_text": 75,
    "button_value": 2000,
    "option_text": 75,
    "option_value": 150,
    "options": 100,
    "radio_or_checkbox_options": 10,
    "private_metadata": 3000,
    "id": 255,
    "context_elements": 10,
    "actions_elements": 25,
    "input_max_length": 3000,
    "view_bytes": 250_000,
}


def _text(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else str(obj or "")


def element_problems(element: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    if len(str(element.get("action_id", ""))) > LIMITS["id"]:
        problems.append(f"{where}: action_id too long")
    kind = element.get("type")
    if kind == "button":
        if len(_text(element.get("text"))) > LIMITS["button_text"]:
            problems.append(f"{where}: button text over 75")
        if len(str(element.get("value", ""))) > LIMITS["button_value"]:
            problems.append(f"{where}: button value over 2000")
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    cap = LIMITS["radio_or_checkbox_options"] if kind in ("radio_buttons", "checkboxes") else 100
    if len(options) > cap:
        problems.append(f"{where}: {len(options)} options, over {cap}")
    for option in options:
        if len(_text(option.get("text"))) > LIMITS["option_text"]:
            problems.append(f"{where}: option text over 75: {_text(option.get('text'))!r}")
        if len(_text(option.get("description"))) > LIMITS["option_text"]:
            problems.append(f"{where}: option description over 75")
        if len(str(option.get("value", ""))) > LIMITS["option_value"]:
            problems.append(f"{where}: option value over 150")
    if int(element.get("max_length") or 0) > LIMITS["input_max_length"]:
        problems.append(f"{where}: max_length over 3000")
    return problems


def block_problems(blocks: list[dict[str, Any]], where: str) -> list[str]:
    problems: list[str] = []
    for index, block in enumerate(blocks):
        at = f"{where}/blocks/{index}"
        kind = block.get("type")
        if len(str(block.get("block_id", ""))) > LIMITS["id"]:
            problems.append(f"{at}: block_id too long")
        if kind == "section":
            if len(_text(block.get("text"))) > LIMITS["section_text"]:
                problems.append(f"{at}: section text over 3000")
            fields = block.get("fields") or []
            if len(fields) > LIMITS["fields"]:
                problems.append(f"{at}: more than 10 fields")
            problems += [
                f"{at}: field over 2000" for f in fields if len(_text(f)) > LIMITS["section_field"]
            ]
            if block.get("accessory"):
                problems += element_problems(block["accessory"], at)
        elif kind == "header" and len(_text(block.get("text"))) > LIMITS["header"]:
            problems.append(f"{at}: header over 150")
        elif kind == "context" and len(block.get("elements") or []) > LIMITS["context_elements"]:
            problems.append(f"{at}: context over 10 elements")
        elif kind == "actions":
            elements = block.get("elements") or []
            if len(elements) > LIMITS["actions_elements"]:
                problems.append(f"{at}: actions over 25 elements")
            for element in elements:
                problems += element_problems(element, at)
        elif kind == "input":
            problems += element_problems(block.get("element") or {}, at)
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    where = f"view {view.get('callback_id') or view.get('type')}"
    problems: list[str] = []
    for name in ("title", "submit", "close"):
        if len(_text(view.get(name))) > LIMITS["title"]:
            problems.append(f"{where}: {name} over 24: {_text(view.get(name))!r}")
    if view.get("type") == "modal" and not _text(view.get("title")):
        problems.append(f"{where}: no title")
    blocks = view.get("blocks") or []
    if len(blocks) > LIMITS["blocks"]:
        problems.append(f"{where}: {len(blocks)} blocks")
    if len(str(view.get("private_metadata") or "")) > LIMITS["private_metadata"]:
        problems.append(f"{where}: private_metadata over 3000")
    if len(str(view.get("callback_id") or "")) > LIMITS["id"]:
        problems.append(f"{where}: callback_id too long")
    if len(json.dumps(view)) > LIMITS["view_bytes"]:
        problems.append(f"{where}: view too large")
    return problems + block_problems(blocks, where)


def message_problems(message: dict[str, Any]) -> list[str]:
    blocks = message.get("blocks") or []
    problems = [f"message: {len(blocks)} blocks"] if len(blocks) > LIMITS["message_blocks"] else []
    return problems + block_problems(blocks, "message")


def problems_in_all_sent(harness: Harness) -> list[str]:
    """What Slack would refuse in any view or message the app sent through `harness`."""
    problems = [p for view in every_view_sent(harness) for p in view_problems(view)]
    for call in harness.emulator.calls:
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            problems += message_problems(call.params)
    return problems
