"""/speakup: no text opens the raise modal; `help` and `status` answer privately."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.taxonomy import ConcernKind
from bot.flows.context import AppContext
from bot.flows.legal_hold import set_legal_hold
from bot.flows.receipt_guard import ReceiptGuard
from bot.flows.recording import NotAGuardian
from bot.slack import copy as help_text
from bot.slack import status_answers as status_flow
from bot.slack.record_answers import record_view
from handlers.raise_flow import open_raise_modal

RAISE_WORDS = {"", "raise", "new", "report", "speakup", "speak-up"}


def register(app: App, context: AppContext) -> None:
    # Wrong receipts are counted in this process's memory only (see bot.flows.reporter_status).
    guard = ReceiptGuard()

    @app.command("/speakup")
    def speakup_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        text = str(command.get("text") or "").strip()
        # Split at any space, the no-break and thin ones a pasted receipt brings included.
        word, rest = [*text.split(maxsplit=1), "", ""][:2]
        word = word.lower()
        if word in RAISE_WORDS or word == "safeguarding":
            ack()
            kind = ConcernKind.SAFEGUARDING if word == "safeguarding" else ConcernKind.SPEAK_UP
            open_raise_modal(context, client, command["trigger_id"], kind)
        elif word == "record":
            ack()
            try:
                view = record_view(context, command["user_id"])
            except NotAGuardian as refused:
                client.chat_postEphemeral(
                    channel=command["channel_id"], user=command["user_id"], text=str(refused)
                )
                return
            client.views_open(trigger_id=command["trigger_id"], view=view)
        elif word in ("hold", "release"):
            ack(text=set_legal_hold(context, command["user_id"], rest, hold=word == "hold"))
        elif word == "help":
            ack(text=help_text.GUIDE)
        elif word == "status":
            answer = status_flow.status_command(
                context, guard, command["user_id"], rest, now=context.now()
            )
            ack(text=answer.text, blocks=answer.blocks)
        else:
            ack(text=help_text.unknown_command(text))
