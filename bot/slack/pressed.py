"""Who pressed a concern's button, and on which concern: the user from Slack's verified
payload, the concern from the button's value (which says only which concern is meant; every
flow authorises the user against it)."""

from __future__ import annotations

from typing import Any


def pressed(body: dict[str, Any]) -> tuple[str, str]:
    """(user id, concern id) of a block action on a concern's button."""
    return body["user"]["id"], str(body["actions"][0].get("value") or "")
