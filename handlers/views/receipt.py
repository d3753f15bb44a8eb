"""View submissions: a receipt holder's reply to the team, and their feedback."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.flows.context import AppContext
from bot.slack import receipt_feedback
from bot.slack import status_answers as status_flow
from bot.slack.ids import Callback


def register(app: App, context: AppContext) -> None:
    @app.view(Callback.RECEIPT_REPLY.value)
    def submit_reply(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack(**status_flow.submit_reply(context, body["user"]["id"], view, now=context.now()))
        context.wake_outbox()

    @app.view(Callback.RECEIPT_FEEDBACK.value)
    def submit_feedback(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        ack(**receipt_feedback.submit_feedback(context, user, view, now=context.now()))
