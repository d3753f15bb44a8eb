"""Slack Web API clients: one for answering requests, one for background delivery.

Slack waits at most 3 s for an answer, and a trigger id lives about as long. A call made while
answering (views.open, users.info, chat.postEphemeral, a user group's members) therefore gives
up after REQUEST_TIMEOUT and is never retried in the request's thread: the person gets a
private message, or the work is left to the outbox. The outbox worker has no such clock and
keeps slack_sdk's retry of a failed connection and a longer timeout.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.runtime.kept_alive import KeptAliveWebClient
from bot.runtime.settings import Settings

REQUEST_TIMEOUT = 2
DELIVERY_TIMEOUT = 10


def build_request_client(settings: Settings, *, with_token: bool = True) -> WebClient:
    """For calls made while a request is being answered: short timeout, no retries.
    Bolt's app takes one without a token: each request's copy gets it from `authorize`."""
    return WebClient(
        token=settings.slack_bot_token if with_token else None,
        base_url=settings.slack_api_url,
        timeout=REQUEST_TIMEOUT,
        retry_handlers=[],
    )


def build_web_client(settings: Settings) -> WebClient:
    """For the outbox worker: a longer timeout, slack_sdk's retry of a failed connection, and
    one connection kept open per worker thread (bot.runtime.kept_alive)."""
    return KeptAliveWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=DELIVERY_TIMEOUT
    )
