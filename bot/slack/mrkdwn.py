"""Putting typed text into Slack mrkdwn safely."""

from __future__ import annotations


def escape(text: str) -> str:
    """Typed text shown as mrkdwn: no mentions, links or channel-wide pings can hide in it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str) -> str:
    """Typed text as an escaped block quote."""
    return "\n".join("> " + line for line in escape(text).splitlines() or [""])
