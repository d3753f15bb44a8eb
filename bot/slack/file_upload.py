"""Uploading a file into a channel with files upload v2, exactly once in effect.

files.getUploadURLExternal, then the bytes POSTed to the URL it gives, then
files.completeUploadExternal shares the file in the channel (slack_sdk's files_upload_v2
makes the three calls). A completed upload cannot carry message metadata, so the file's name
is unique to its outbox item: after an attempt whose outcome we never saw, the channel is
searched for a file of that name before uploading again.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

HISTORY_LOOKBACK = 200
HISTORY_PAGES = 10


def already_shared(client: WebClient, *, channel: str, filename: str, since: datetime) -> bool:
    """Whether a message in `channel` since `since` (minus a minute) carries `filename`."""
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        response = client.conversations_history(
            channel=channel,
            oldest=f"{since.timestamp() - 60:.6f}",
            limit=HISTORY_LOOKBACK,
            cursor=cursor,
        )
        for message in response.get("messages") or []:
            if any(f.get("name") == filename for f in message.get("files") or []):
                return True
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not response.get("has_more") or not cursor:
            return False
    return False


def upload_once(
    client: WebClient,
    *,
    channel: str,
    filename: str,
    title: str,
    content: bytes,
    retried: bool,
    since: datetime,
) -> None:
    """Share `content` as `filename` in `channel`, unless an earlier attempt already did."""
    if retried and already_shared(client, channel=channel, filename=filename, since=since):
        return
    client.files_upload_v2(
        channel=channel, filename=filename, title=title, content=content, alt_txt=title
    )
