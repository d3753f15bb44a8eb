"""The guardians' "Record a concern" button (their Home tab and their daily digest)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.flows.context import AppContext
from bot.flows.recording import NotAGuardian
from bot.slack.ids import Action
from bot.slack.record_answers import record_view
from bot.slack.replies import tell


def register(app: App, context: AppContext) -> None:
    @app.action(Action.RECORD_CONCERN.value)
    def record(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            view = record_view(context, body["user"]["id"])
        except NotAGuardian as refused:
            tell(client, body, str(refused))
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)
