"""View submission: a guardian's recording of a concern raised outside the app."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.flows.context import AppContext
from bot.slack.ids import Callback
from bot.slack.record_answers import submit_record


def register(app: App, context: AppContext) -> None:
    @app.view(Callback.RECORD_CONCERN.value)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack(**submit_record(context, body["user"]["id"], view))
        context.wake_outbox()
