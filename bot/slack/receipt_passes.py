"""Passes: short-lived signed proof that someone typed a concern's receipt, carried by the
receipt page's buttons (Reply, Give feedback) and the forms they open instead of any database
record, so a no-contact reporter leaves no trace by checking on their concern."""

from __future__ import annotations

import hmac
from datetime import datetime

from bot.slack import signed_metadata
from storage.crypto import KeyRing

PAGE_STEP = "receipt-page"  # the Reply button on a receipt page
REPLY_STEP = "receipt-reply"  # the reply modal opened from it
FEEDBACK_PAGE_STEP = "receipt-feedback-page"  # Give feedback on a closed concern's page
FEEDBACK_STEP = "receipt-feedback"  # the feedback form opened from it
PAGE_STEP_SECONDS = 30 * 60
REPLY_STEP_SECONDS = 60 * 60


def _holder(ring: KeyRing, user_id: str) -> str:
    # Binds a pass to the Slack user who proved the receipt, without carrying their id.
    return ring.blind_index("receipt-holder:" + user_id)[:32]


def issue_pass(
    ring: KeyRing, purpose: str, concern_id: str, user_id: str, *, now: datetime, seconds: int
) -> str:
    """A signed, expiring pass saying `user_id` proved the receipt of `concern_id`."""
    return signed_metadata.sign(
        ring,
        {
            "p": purpose,
            "c": concern_id,
            "h": _holder(ring, user_id),
            "exp": int(now.timestamp()) + seconds,
        },
    )


def read_pass(
    ring: KeyRing, purpose: str, text: object, user_id: str, *, now: datetime
) -> str | None:
    """The concern id a pass names, or None if it is forged, altered, expired, issued for
    another step, or presented by anyone but the person it was issued to."""
    # What we sign is always ASCII; anything else was altered (and would upset compare_digest).
    data = signed_metadata.verify(ring, text if isinstance(text, str) and text.isascii() else None)
    if data is None or data.get("p") != purpose:
        return None
    expires, concern_id, holder = data.get("exp"), data.get("c"), data.get("h")
    if not isinstance(expires, int) or expires < now.timestamp():
        return None
    if not isinstance(holder, str) or not hmac.compare_digest(holder, _holder(ring, user_id)):
        return None
    return concern_id if isinstance(concern_id, str) else None
