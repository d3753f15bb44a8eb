"""Events API listeners: the App Home tab and DMs to the bot."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.flows import dedupe
from bot.flows.context import AppContext
from bot.slack import home
from bot.slack import status_answers as status_flow

log = structlog.stdlib.get_logger(__name__)


def register(app: App, context: AppContext) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home" or not isinstance(event.get("user"), str):
            return
        user = event["user"]
        client.views_publish(user_id=user, view=status_flow.home_for(context, user))

    @app.event("message")
    def direct_message(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if not home.wants_welcome(event):
            return
        # Slack retries a delivery it thinks failed: answer each event once.
        key = "event:" + str(body.get("event_id") or event.get("client_msg_id") or event.get("ts"))
        if not dedupe.first_time(context.db, key, now=context.now()):
            return
        welcome = home.dm_welcome()
        try:
            client.chat_postMessage(
                channel=event["channel"], text=welcome.text, blocks=welcome.blocks
            )
        except (SlackApiError, SlackClientError, OSError) as exc:
            dedupe.forget(context.db, key)  # let Slack's retry try again
            log.warning("dm.welcome_failed", error=type(exc).__name__)
