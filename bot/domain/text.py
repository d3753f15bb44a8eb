"""Cleaning what people type: trimmed, normalised, nothing hidden, within its limit."""

from __future__ import annotations

import unicodedata
from typing import Any

# Invisible format characters a person legitimately types: joiners inside emoji sequences,
# direction marks in right-to-left text, and the tag characters of subdivision flags.
_ALLOWED_FORMAT = frozenset({"\u200c", "\u200d", "\u200e", "\u200f"})
_TAGS = range(0xE0020, 0xE0080)
_ALLOWED_CONTROLS = frozenset({"\n", "\t"})


def _hidden(ch: str) -> bool:
    """A control, surrogate, private-use, non- or format character that could hide or
    disguise text (e.g. bidi overrides); the few a keyboard produces are allowed."""
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch not in _ALLOWED_CONTROLS
    if category == "Cf":
        return ch not in _ALLOWED_FORMAT and ord(ch) not in _TAGS
    if category in ("Cs", "Co"):
        return True
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE  # Unicode noncharacters


def clean_text(value: Any, *, limit: int, required: bool, label: str) -> tuple[str | None, str]:
    """(text, error) — trims, rejects control characters and overlong text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, (f"Please tell us {label}." if required else "")
    if not isinstance(value, str):
        return None, "This answer could not be read. Please type it again."
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(_hidden(ch) for ch in text):
        return None, "This contains hidden control characters. Please retype it."
    text = unicodedata.normalize("NFC", text)
    if len(text) > limit:
        return None, f"Please keep this under {limit} characters (it is {len(text)})."
    return text, ""
