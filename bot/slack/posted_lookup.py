"""Finding a message an earlier attempt already posted, by the outbox item's key.

Every message the worker posts carries its outbox item's idempotency key in Slack message
metadata; after an attempt whose outcome was never seen, the worker looks for that key in the
channel (or thread) before posting again.
"""

from __future__ import annotations

from functools import partial

import structlog
from slack_sdk import WebClient

from storage.outbox import ClaimedItem

log = structlog.stdlib.get_logger(__name__)

METADATA_EVENT = "speakup_outbox"
HISTORY_LOOKBACK = 200
HISTORY_PAGES = 25


def find_posted(
    client: WebClient, item: ClaimedItem, channel: str, thread_ts: str | None
) -> str | None:
    """The ts of a message an earlier attempt already posted for this item, if any."""
    oldest = f"{item.created_at.timestamp() - 60:.6f}"
    cursor: str | None = None
    # A thread reply is found among the thread's replies, a message in the channel's history.
    read = (
        partial(client.conversations_replies, ts=thread_ts)
        if thread_ts
        else partial(client.conversations_history, oldest=oldest)
    )
    for _ in range(HISTORY_PAGES):
        response = read(
            channel=channel, include_all_metadata=True, limit=HISTORY_LOOKBACK, cursor=cursor
        )
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("key") == item.idempotency_key
            ):
                return str(message["ts"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not response.get("has_more") or not cursor:
            return None
    # Beyond this many pages the message is older than any retry window we keep.
    log.warning("outbox.history_scan_capped", outbox_id=item.id)
    return None
