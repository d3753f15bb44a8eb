"""Buttons in the reporter's DMs: Reply to a guardian's question, Give feedback at closure.

Only the concern's own reporter may use them (bot.flows.reporter_actions checks); the
button's value only says which concern is meant.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.flows import reporter_actions
from bot.flows.context import AppContext
from bot.slack import team_views
from bot.slack.ids import Action, Callback
from bot.slack.signed_metadata import form_metadata
from handlers.actions.concern_button import on_concern_button


def register(app: App, context: AppContext) -> None:
    def reply(client: WebClient, body: dict[str, Any], user: str, concern_id: str) -> None:
        target = reporter_actions.reply_target(context, concern_id, user)
        metadata = form_metadata(
            context.vault.ring, Callback.REPORTER_REPLY, target.concern_id, user
        )
        view = team_views.reporter_reply_view(target.reference, target.question, metadata)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def feedback(client: WebClient, body: dict[str, Any], user: str, concern_id: str) -> None:
        target = reporter_actions.feedback_target(context, concern_id, user)
        metadata = form_metadata(context.vault.ring, Callback.FEEDBACK, target.concern_id, user)
        view = team_views.feedback_view(target.reference, metadata)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    on_concern_button(app, Action.REPLY, reply)
    on_concern_button(app, Action.GIVE_FEEDBACK, feedback)
