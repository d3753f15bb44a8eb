"""Reading a Web API request as Slack does: query and body merged, JSON-valued fields decoded,
and the `ok: false` answer a method gives when a parameter is wrong."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

JsonDict = dict[str, Any]

# slack_sdk form-encodes these as JSON strings; callers want the objects back.
JSON_PARAMS = ("blocks", "view", "attachments", "metadata", "files")


class ApiError(Exception):
    """Raised by a method handler to answer `ok: false` without touching state.

    `status` and `headers` are for answers Slack gives outside HTTP 200 (429 with Retry-After).
    """

    def __init__(
        self,
        error: str,
        messages: list[str] | None = None,
        *,
        status: int = 200,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []
        self.status = status
        self.headers = headers


def missing(name: str) -> ApiError:
    """Slack's answer when a required argument is absent."""
    return ApiError("invalid_arguments", [f"[ERROR] missing required field: {name}"])


def param_str(params: Mapping[str, Any], name: str) -> str | None:
    """A parameter as text; None when absent or empty."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def truthy(value: object) -> bool:
    """A boolean parameter: slack_sdk sends "1"/"0" in forms and true/false in JSON."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def ts_float(value: object) -> float | None:
    """A message timestamp as a number, or None when it is not one."""
    try:
        return float(str(value))
    except ValueError:
        return None


def bearer(authorization: str | None) -> str | None:
    """The token in an `Authorization: Bearer ...` header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def parse_params(query: str, content_type: str, raw: bytes, command: str) -> JsonDict:
    """Merge query string and body into one dict, decoding JSON-valued fields."""
    params: JsonDict = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";", 1)[0].strip().lower()
    if raw and command == "POST":
        text = raw.decode("utf-8", errors="replace")
        if media_type == "application/json":
            try:
                body = json.loads(text)
            except json.JSONDecodeError:
                body = None
            if isinstance(body, dict):
                params.update(body)
        elif media_type in {"application/x-www-form-urlencoded", ""}:
            params.update(parse_qsl(text, keep_blank_values=True))
    for key in JSON_PARAMS:
        value = params.get(key)
        if isinstance(value, str) and value.strip()[:1] in {"[", "{"}:
            try:
                params[key] = json.loads(value)
            except json.JSONDecodeError:
                continue
    return params
