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


def form_metadata(ring: KeyRing, form: str, concern_id: str, user_id: str) -> str:
    """Signed private_metadata tying a modal to one concern and the person who opened it."""
    return sign(ring, {"form": form, "concern": concern_id, "by": user_id})


def read_form_metadata(
    ring: KeyRing, form: str, private_metadata: str | None, user_id: str
) -> str | None:
    """The concern id a submitted modal is about, or None if the metadata was tampered with
    or the modal is being submitted by someone other than who opened it."""
    data = verify(ring, private_metadata)
    if data is None or data.get("form") != form or data.get("by") != user_id:
        return None
    concern = data.get("concern")
    return concern if isinstance(concern, str) else None
