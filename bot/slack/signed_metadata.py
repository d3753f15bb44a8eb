"""private_metadata the app can trust: Slack hands it back from the client, so we sign it."""

from __future__ import annotations

import hmac
import json
from typing import Any

from storage.crypto import KeyRing


def sign(ring: KeyRing, data: dict[str, Any]) -> str:
    body = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return body + "|" + ring.blind_index("metadata:" + body)


def verify(ring: KeyRing, text: str | None) -> dict[str, Any] | None:
    """The signed data, or None if it is missing, malformed or was altered."""
    if not text or "|" not in text or not text.isascii():
        return None  # we only ever sign ASCII; anything else was forged (and breaks compare)
    body, _, signature = text.rpartition("|")
    if not any(
        hmac.compare_digest(signature, candidate)
        for candidate in ring.blind_index_candidates("metadata:" + body)
    ):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
