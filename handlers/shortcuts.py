"""Global shortcut "Raise a concern"."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.taxonomy import ConcernKind
from bot.flows.context import AppContext
from bot.slack.ids import Callback
from handlers.raise_flow import open_raise_modal


def register(app: App, context: AppContext) -> None:
    @app.shortcut(Callback.RAISE_SHORTCUT.value)
    def raise_shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        open_raise_modal(context, client, shortcut["trigger_id"], ConcernKind.SPEAK_UP)
