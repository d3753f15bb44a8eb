"""Block actions on a no-contact receipt page: Reply, and Give feedback once it is closed.

Each button's value is a signed, expiring pass issued only after the receipt was checked, and
bound to the person who checked it; a forged or copied value opens nothing.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.flows.context import AppContext
from bot.slack import receipt_feedback
from bot.slack import status_answers as status_flow
from bot.slack.ids import Action
from bot.slack.receipt_page import PAGE_EXPIRED
from bot.slack.replies import tell


def register(app: App, context: AppContext) -> None:
    @app.action(Action.RECEIPT_REPLY.value)
    def reply(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        value = (body.get("actions") or [{}])[0].get("value")
        view = status_flow.reply_form(context, body["user"]["id"], value, now=context.now())
        if view is None:
            tell(client, body, PAGE_EXPIRED)
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(Action.RECEIPT_FEEDBACK.value)
    def feedback(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        value = (body.get("actions") or [{}])[0].get("value")
        form = receipt_feedback.feedback_form(context, body["user"]["id"], value, now=context.now())
        if isinstance(form, str):
            tell(client, body, form)
            return
        client.views_open(trigger_id=body["trigger_id"], view=form)
