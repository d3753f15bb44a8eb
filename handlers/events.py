"""Events API listeners: the App Home tab, DMs to the bot, news of the team channels, and an
answer to everything else.

Slack counts any answer but HTTP 200 to an event delivery as a failure, and disables an app's
event subscriptions when too many fail, so every event and notice gets a 200, acted on or not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import structlog
from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.flows import dedupe
from bot.flows.context import AppContext
from bot.flows.delivery_alarms import on_channel_back, on_channel_lost
from bot.slack import home
from bot.slack import status_answers as status_flow

log = structlog.stdlib.get_logger(__name__)

# Events speakup takes note of: a log line naming the type, at the level given. Those about a
# team channel also raise or clear its delivery alarm (CHANNEL_LOST, CHANNEL_BACK).
NOTED_EVENTS: dict[str, str] = {
    "app_uninstalled": "warning",
    "tokens_revoked": "warning",
    "channel_archive": "warning",
    "channel_deleted": "warning",
    "group_archive": "warning",
    "group_deleted": "warning",
    "channel_left": "warning",
    "group_left": "warning",
    "member_left_channel": "info",
    "member_joined_channel": "info",
    "channel_unarchive": "info",
    "group_unarchive": "info",
    # An Events API notice without an inner event: Slack is limiting our events.
    "app_rate_limited": "warning",
}
# A channel event meaning cards can no longer be posted there, with the error Slack will
# answer a post with (what the alarm names, and the fix it suggests).
CHANNEL_LOST: dict[str, str] = {
    "channel_archive": "is_archived",
    "group_archive": "is_archived",
    "channel_deleted": "channel_not_found",
    "group_deleted": "channel_not_found",
    # Sent to the app itself when it is removed from a channel.
    "channel_left": "not_in_channel",
    "group_left": "not_in_channel",
}
CHANNEL_BACK = frozenset({"channel_unarchive", "group_unarchive"})
# Someone joined or left a channel: it matters when that someone is the app.
MEMBERSHIP = frozenset({"member_left_channel", "member_joined_channel"})
# Notices Slack sends every app without a subscription (they are not events to subscribe to).
APP_NOTICES = frozenset({"app_rate_limited"})
# What manifest.yml must subscribe to: every event a listener here is registered for (the
# `message` listener hears DMs, `message.im`), and nothing else.
SUBSCRIBED = frozenset({"app_home_opened", "message.im", *(set(NOTED_EVENTS) - APP_NOTICES)})
# Every `type` of request body that Bolt routes to listeners or answers itself. A body with any
# other type is a notice from the Events API (new ones included), answered 200 here.
ROUTED_TYPES = frozenset(
    {
        "event_callback",
        "url_verification",
        "block_actions",
        "block_suggestion",
        "interactive_message",
        "message_action",
        "shortcut",
        "view_submission",
        "view_closed",
        "dialog_submission",
        "dialog_cancellation",
        "dialog_suggestion",
        "workflow_step_edit",
    }
)
_TYPE_NAME = re.compile(r"[a-z][a-z0-9_.]{0,63}")


def _note(event_type: object) -> None:
    """One content-free line: the type only (Slack's types are short snake-case names)."""
    name = (
        event_type if isinstance(event_type, str) and _TYPE_NAME.fullmatch(event_type) else "other"
    )
    level = NOTED_EVENTS.get(name)
    if level == "warning":
        log.warning("event.noted", type=name)
    elif level is not None:
        log.info("event.noted", type=name)
    else:
        log.info("event.unhandled", type=name)


def _app_user_ids(body: dict[str, Any], context: BoltContext) -> set[str]:
    """The app's own user id: from start-up, or from the delivery's `authorizations` (Slack
    names the installation an event is for, the app's bot user among them)."""
    ids = {context.bot_user_id} if context.bot_user_id else set()
    for grant in body.get("authorizations") or []:
        if (
            isinstance(grant, dict)
            and grant.get("is_bot")
            and isinstance(grant.get("user_id"), str)
        ):
            ids.add(grant["user_id"])
    return ids


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

    app_context = context

    def channel_news(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        kind = str(event.get("type"))
        _note(kind)
        channel = event.get("channel")
        if not isinstance(channel, str):
            return
        if kind in MEMBERSHIP:
            if event.get("user") not in _app_user_ids(body, context):
                return  # a person came or went: the team's business, not the app's
            if kind == "member_left_channel":
                on_channel_lost(app_context, channel, "not_in_channel")
            else:
                on_channel_back(app_context, channel)
        elif kind in CHANNEL_BACK:
            on_channel_back(app_context, channel)
        else:
            on_channel_lost(app_context, channel, CHANNEL_LOST[kind])

    for kind in (*CHANNEL_LOST, *CHANNEL_BACK, *MEMBERSHIP):
        app.event(kind)(channel_news)

    @app.middleware
    def answer_notices(body: dict[str, Any], next: Callable[[], BoltResponse]) -> Any:
        """Events API notices (no inner event) never reach a listener: answer them here."""
        kind = body.get("type")
        if kind is None or kind in ROUTED_TYPES or "command" in body:
            return next()
        _note(kind)
        return BoltResponse(status=200, body="")

    # Registered last (handlers/__init__ registers this module last): every event no listener
    # above took. Auto-acknowledged, so Slack always gets its 200.
    @app.event(re.compile(".*"))
    def any_other_event(event: dict[str, Any]) -> None:
        _note(event.get("type"))
