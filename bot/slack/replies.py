"""Answering a person privately after an action (Slack shows actions no field errors)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient


def tell(client: WebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral message where the person clicked, or a DM when they clicked in a modal."""
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    if channel:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    else:
        client.chat_postMessage(channel=user, text=text)
