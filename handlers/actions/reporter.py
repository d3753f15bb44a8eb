"""Buttons in the reporter's DMs: Reply to a guardian's question, Give feedback at closure.

Only the concern's own reporter may use them (bot.flows.reporter_actions checks); the
button's value only says which concern is meant.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.flows import reporter_actions
from bot.flows.context import AppContext
from bot.flows.reporter_actions import ReporterRefused
from bot.slack import team_views
from bot.slack.copy import reporter_refusal
from bot.slack.ids import Action, Callback
from bot.slack.pressed import pressed
from bot.slack.replies import tell
from bot.slack.signed_metadata import form_metadata


def register(app: App, context: AppContext) -> None:
    @app.action(Action.REPLY.value)
    def reply(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user, concern_id = pressed(body)
        try:
            target = reporter_actions.reply_target(context, concern_id, user)
        except ReporterRefused as refused:
            tell(client, body, reporter_refusal(refused.why, refused.detail))
            return
        metadata = form_metadata(
            context.vault.ring, Callback.REPORTER_REPLY, target.concern_id, user
        )
        view = team_views.reporter_reply_view(target.reference, target.question, metadata)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(Action.GIVE_FEEDBACK.value)
    def feedback(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user, concern_id = pressed(body)
        try:
            target = reporter_actions.feedback_target(context, concern_id, user)
        except ReporterRefused as refused:
            tell(client, body, reporter_refusal(refused.why, refused.detail))
            return
        metadata = form_metadata(context.vault.ring, Callback.FEEDBACK, target.concern_id, user)
        view = team_views.feedback_view(target.reference, metadata)
        client.views_open(trigger_id=body["trigger_id"], view=view)
