"""/speakup: no text opens the raise modal; `help` and `status` answer privately."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import help_text
from bot.context import AppContext
from bot.taxonomy import ConcernKind
from handlers.raise_flow import open_raise_modal


def register(app: App, context: AppContext) -> None:
    @app.command("/speakup")
    def speakup_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        text = (command.get("text") or "").strip()
        word = text.split(" ", 1)[0].lower()
        if not word:
            ack()
            open_raise_modal(context, client, command["trigger_id"], ConcernKind.SPEAK_UP)
        elif word == "help":
            ack(text=help_text.GUIDE)
        else:
            ack(text=help_text.unknown_command(text))
