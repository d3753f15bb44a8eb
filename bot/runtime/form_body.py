"""Decoding the bodies Slack posts: events (JSON), slash commands (a form) and interactions
(`payload=` and the JSON, URL-encoded); a body that is none of these is MalformedBody.

Only bodies whose signature has been checked reach here (bot.runtime.web), so a forged one
never costs a parse.

A submitted modal comes back with the whole view in it, some 20 KB with thousands of escapes,
and the standard library decodes those one at a time in Python: about a third of what
answering a submission costs, on every request thread at once when many arrive. binascii's
quoted-printable decoder does the same work in C when every escape is well formed, which is
the only form Slack sends; anything else goes to the standard library.
"""

from __future__ import annotations

import binascii
import json
import re
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_PAYLOAD = "payload="
_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def form_unquote(value: str) -> str:
    """urllib.parse.unquote_plus(value), the same for every input, fast for Slack's.

    Quoted-printable writes "=41" where a form writes "%41". The two decode alike once "%"
    becomes "=" and "+" a space, provided the value held no "=" of its own, nothing outside
    ASCII, and no "%" without two hex digits after it (quoted-printable reads those as line
    breaks and literals); values like that take the standard library's path.
    """
    if "=" in value or not value.isascii() or _MALFORMED_ESCAPE.search(value):
        return unquote_plus(value)
    decoded = binascii.a2b_qp(value.replace("%", "=").replace("+", " "))
    return decoded.decode("utf-8", errors="replace")


def interaction_payload(body: str, content_type: str | None) -> dict[str, Any] | None:
    """The JSON of a body that is exactly `payload=…`, as Slack sends interactions; None for
    any other body (slash commands, events), which Bolt parses itself."""
    if content_type != FORM or not body.startswith(_PAYLOAD) or "&" in body:
        return None
    try:
        payload = json.loads(form_unquote(body[len(_PAYLOAD) :]))
    except ValueError:
        return None  # Bolt's own parser meets it, and answers as it always has
    return payload if isinstance(payload, dict) else None


class MalformedBody(ValueError):
    """A signed body that is not a request Slack sends; the message names the problem's kind,
    never the body."""


# Fields that Bolt's middleware and context builders read as objects (`.get`, `in`) before any
# listener runs: another JSON type there would be a crash in Bolt, not an answer.
_OBJECT_FIELDS = ("event", "view", "container", "message")
_OBJECT_OR_ID_FIELDS = ("user", "team", "channel", "enterprise")
_LIST_OF_OBJECTS_FIELDS = ("actions", "authorizations")


def parse_slack_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The request as Bolt reads it, or MalformedBody.

    Parses exactly as Bolt's own `parse_body` does for every body Slack sends (JSON events,
    slash-command forms, `payload=` interactions), then checks the envelope's shape so that
    Bolt's middleware never meets a list where it expects an object.
    """
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBody("not UTF-8") from None
    if not body:
        raise MalformedBody("empty")
    try:
        parsed = _parse(body, content_type)
    except RecursionError:
        raise MalformedBody("nested too deeply") from None
    except ValueError:
        raise MalformedBody("not JSON") from None
    if not isinstance(parsed, dict):
        raise MalformedBody("not an object")
    _check_shape(parsed)
    return parsed


def _parse(body: str, content_type: str | None) -> Any:
    if content_type == JSON or body.startswith("{"):  # as Bolt decides
        return json.loads(body)
    fast = interaction_payload(body, FORM)
    if fast is not None:
        return fast
    fields = dict(parse_qsl(body, keep_blank_values=True))
    if "payload" in fields:
        return json.loads(fields["payload"])
    return fields


def _check_shape(body: dict[str, Any]) -> None:
    for name in _OBJECT_FIELDS:
        if name in body and not isinstance(body[name], dict):
            raise MalformedBody(f"{name} is not an object")
    for name in _OBJECT_OR_ID_FIELDS:
        value = body.get(name)
        if value is not None and not isinstance(value, dict | str):
            raise MalformedBody(f"{name} is neither an object nor an id")
    for name in _LIST_OF_OBJECTS_FIELDS:
        # Present means a list: Bolt takes `actions[0]` of a block action, and null has none.
        value = body.get(name)
        if name in body and not (
            isinstance(value, list) and all(isinstance(item, dict) for item in value)
        ):
            raise MalformedBody(f"{name} is not a list of objects")
    if not isinstance(body.get("type", ""), str) or not isinstance(body.get("command", ""), str):
        raise MalformedBody("type or command is not a string")
    if body.get("type") == "event_callback" and not isinstance(
        body.get("event", {}).get("type"), str
    ):
        raise MalformedBody("an event without a type")
