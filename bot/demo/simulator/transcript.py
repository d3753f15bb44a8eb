"""Block Kit rendered as plain text: what a person would see in Slack, for the demo's transcript.

Sections, fields, headers and context read as text; buttons show as [Label]; inputs show as
"▢ Label" with their choices beneath; Slack's mrkdwn dates show as their fallback and
mentions as @Name, looked up through the `names` function (e.g. the emulator's directory).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bot.demo.simulator.block_elements import options_of

JsonDict = dict[str, Any]
Names = Callable[[str], str | None]

WIDTH = 88
_EMOJI = {
    "rotating_light": "🚨",
    "warning": "⚠️",
    "white_check_mark": "✅",
    "lock": "🔒",
    "wave": "👋",
    "hourglass_flowing_sand": "⏳",
}
_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")


def _no_names(_: str) -> str | None:
    return None


def mrkdwn_to_text(text: str, names: Names = _no_names) -> str:
    """Slack mrkdwn as a person reads it: dates, mentions, links and emphasis resolved."""

    def person(match: re.Match[str]) -> str:
        return "@" + (names(match.group(1)) or match.group(2) or match.group(1))

    def group(match: re.Match[str]) -> str:
        return "@" + (match.group(2) or names(match.group(1)) or match.group(1)).lstrip("@")

    def channel(match: re.Match[str]) -> str:
        return "#" + (match.group(2) or names(match.group(1)) or match.group(1)).lstrip("#")

    def link(match: re.Match[str]) -> str:
        return match.group(2) or match.group(1)

    text = _DATE.sub(lambda m: m.group(1), text)
    text = _USER.sub(person, text)
    text = _SUBTEAM.sub(group, text)
    text = _CHANNEL.sub(channel, text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _LINK.sub(link, text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    text = _emoji(text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _emoji(text: str) -> str:
    """Emoji codes Slack would draw, for the few the app uses; others stay as typed."""
    return _EMOJI_CODE.sub(lambda m: _EMOJI.get(m.group(1), m.group(0)), text)


def _text(obj: object, names: Names) -> str:
    """A text object (plain_text or mrkdwn) or a bare string, as read."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, Mapping):
        raw = str(obj.get("text", ""))
        if obj.get("type") == "mrkdwn":
            return mrkdwn_to_text(raw, names)
        return _emoji(raw) if obj.get("emoji", True) else raw
    return ""


def _wrap(text: str, indent: str = "") -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        if not paragraph.strip():
            lines.append(indent.rstrip())
            continue
        lines.extend(
            textwrap.wrap(
                paragraph,
                WIDTH,
                initial_indent=indent,
                subsequent_indent=indent,
                break_on_hyphens=False,
            )
        )
    return lines


def _element_inline(element: Mapping[str, Any], names: Names) -> str:
    """An interactive element as it sits in a row: a button, a menu, a picker."""
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'), names)}]"
    if kind == "overflow":
        return "[⋯]"
    placeholder = _text(element.get("placeholder"), names)
    if kind in {"datepicker", "timepicker", "datetimepicker"}:
        return f"[📅 {placeholder or 'pick a date'}]"
    if kind in {"users_select", "multi_users_select"}:
        return f"[👤 {placeholder or 'choose people'} ⌄]"
    if kind and "select" in str(kind):
        return f"[{placeholder or 'choose'} ⌄]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    return _text(element, names)


def _input_lines(block: Mapping[str, Any], names: Names) -> list[str]:
    label = _text(block.get("label"), names)
    element = block.get("element") or {}
    kind = str(element.get("type", ""))
    marker = "▢ " + label
    if block.get("optional") and "optional" not in label.lower():
        marker += " (optional)"
    lines = [marker]
    hint = _text(block.get("hint"), names)
    if kind in {"radio_buttons", "checkboxes"}:
        bullet = "( )" if kind == "radio_buttons" else "[ ]"
        for option in options_of(element):
            line = f"    {bullet} {_text(option.get('text'), names)}"
            description = _text(option.get("description"), names)
            if description:
                line += f" — {description}"
            lines.extend(_wrap(line, "") if len(line) <= WIDTH else _hang(line, " " * 8))
    elif kind in {"static_select", "multi_static_select"}:
        many = kind.startswith("multi")
        lines.append(
            f"    [{_text(element.get('placeholder'), names) or 'choose'} ⌄]"
            + ("  (several allowed)" if many else "")
        )
        labels = [_text(o.get("text"), names) for o in options_of(element)]
        lines.extend(_wrap("choices: " + " · ".join(labels), " " * 6))
    elif kind == "plain_text_input":
        box = "a few lines of text" if element.get("multiline") else "one line of text"
        lines.append(f"    [{box}]")
    elif kind:
        lines.append("    " + _element_inline(element, names))
    if hint:
        lines.extend(_wrap(hint, "    ↳ "))
    return lines


def _hang(line: str, indent: str) -> list[str]:
    return textwrap.wrap(line, WIDTH, subsequent_indent=indent, break_on_hyphens=False)


def wrap_hanging(text: str, indent: str = "    ") -> list[str]:
    """A long line wrapped to the transcript's width, continuation lines indented."""
    return _hang(text, indent)


def _field_lines(field: object, names: Names) -> list[str]:
    text = _text(field, names)
    label, newline, value = text.partition("\n")
    if newline:
        return _hang(f"  {label}: {value.replace(chr(10), ' ')}", " " * 6)
    return _hang(f"  {text}", " " * 6)


def _rich_text(obj: object) -> str:
    """Flatten a rich_text block or element to its words."""
    if isinstance(obj, Mapping):
        if isinstance(obj.get("text"), str):
            return str(obj["text"])
        return "".join(_rich_text(child) for child in obj.get("elements") or [])
    if isinstance(obj, list):
        return "".join(_rich_text(child) for child in obj)
    return ""


def render_block(block: Mapping[str, Any], names: Names = _no_names) -> list[str]:
    """One block as lines of text."""
    kind = block.get("type")
    if kind == "header":
        title = _text(block.get("text"), names)
        return [title, "═" * min(WIDTH, len(title))]
    if kind == "divider":
        return ["─" * 40]
    if kind == "section":
        lines: list[str] = []
        if block.get("text"):
            lines.extend(_wrap(_text(block["text"], names)))
        for field in block.get("fields") or []:
            lines.extend(_field_lines(field, names))
        accessory = block.get("accessory")
        if isinstance(accessory, Mapping):
            lines.append("  " + _element_inline(accessory, names))
        return lines
    if kind == "context":
        parts = [
            _element_inline(e, names) if e.get("type") == "image" else _text(e, names)
            for e in block.get("elements") or []
            if isinstance(e, Mapping)
        ]
        return _wrap("  ".join(parts), "  ┆ ")
    if kind == "actions":
        row = "  ".join(
            _element_inline(e, names) for e in block.get("elements") or [] if isinstance(e, dict)
        )
        return [row]
    if kind == "input":
        return _input_lines(block, names)
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    if kind == "rich_text":
        return _wrap(_rich_text(block))
    return [f"[{kind} block]"]


def render_blocks(blocks: Iterable[object], names: Names = _no_names) -> list[str]:
    """Blocks as lines of text, a blank line between blocks."""
    lines: list[str] = []
    for block in blocks:
        if not isinstance(block, Mapping):
            continue
        if lines:
            lines.append("")
        lines.extend(render_block(block, names))
    return lines


def render_view(view: Mapping[str, Any], names: Names = _no_names) -> list[str]:
    """A modal: its title bar, its blocks, and its Cancel/Submit buttons."""
    title = _text(view.get("title"), names)
    lines = [f"┌─ {title} " + "─" * max(3, 40 - len(title))]
    lines.extend(
        "│ " + line if line else "│" for line in render_blocks(view.get("blocks") or [], names)
    )
    buttons = [f"[{_text(view[name], names)}]" for name in ("close", "submit") if view.get(name)]
    lines.append("└─ " + "  ".join(buttons) if buttons else "└─")
    return lines


def render_message(message: Mapping[str, Any], names: Names = _no_names) -> list[str]:
    """A message as it appears in a channel: its blocks, or its text when it has none."""
    blocks = message.get("blocks")
    if isinstance(blocks, list) and blocks:
        return render_blocks(blocks, names)
    return _wrap(mrkdwn_to_text(str(message.get("text", "")), names))


def describe_answers(
    view: Mapping[str, Any], values: Mapping[str, object], names: Names = _no_names
) -> list[str]:
    """What someone entered in a modal, as "Label: answer" lines, options by their labels."""
    lines: list[str] = []
    for block in view.get("blocks") or []:
        if not isinstance(block, Mapping) or block.get("type") != "input":
            continue
        element = block.get("element") or {}
        action_id = str(element.get("action_id", ""))
        if action_id not in values:
            continue
        given = values[action_id]
        labels = {str(o.get("value")): _text(o.get("text"), names) for o in options_of(element)}
        chosen = given if isinstance(given, list) else [given]
        answer = ", ".join(labels.get(str(value), str(value)) for value in chosen)
        if element.get("type") == "plain_text_input":
            answer = f"“{answer}”"
        lines.extend(_hang(f"{_text(block.get('label'), names)}: {answer}", "    "))
    return lines
