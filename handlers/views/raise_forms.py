"""View submissions: the raise forms."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.taxonomy import ConcernKind
from bot.flows.context import AppContext
from bot.slack import raise_answers as submissions
from bot.slack.ids import Callback


def register(app: App, context: AppContext) -> None:
    @app.view(Callback.RAISE_SPEAK_UP.value)
    def submit_speak_up(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack(**submissions.submit_raise(context, ConcernKind.SPEAK_UP, body["user"]["id"], view))
        context.wake_outbox()

    @app.view(Callback.RAISE_SAFEGUARDING.value)
    def submit_safeguarding(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack(**submissions.submit_raise(context, ConcernKind.SAFEGUARDING, body["user"]["id"], view))
        context.wake_outbox()
