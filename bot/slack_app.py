"""Builds the Bolt app from settings; the only module that knows how Bolt is configured."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from bot.context import AppContext
from bot.settings import Settings


def build_web_client(settings: Settings) -> WebClient:
    """A Web API client on the configured base URL (GovSlack and the emulator use others)."""
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)


def build_bolt_app(context: AppContext, listener_executor: Executor | None = None) -> App:
    """The Bolt app with every listener registered; signature checks always on."""
    from handlers import register_listeners

    app = App(
        signing_secret=context.settings.slack_signing_secret or "socket-mode-unused",
        client=build_web_client(context.settings),
        # Answer Slack as soon as a listener acks; slow work continues in the worker thread.
        process_before_response=False,
        # Slack being down at start-up must not stop the bot from taking concerns.
        token_verification_enabled=False,
        logger=logging.getLogger("speakup.bolt"),
        listener_executor=listener_executor or ThreadPoolExecutor(max_workers=10),
    )
    register_listeners(app, context)
    return app
