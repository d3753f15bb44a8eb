"""The reporter's reply and feedback forms."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.taxonomy import FEEDBACK_ANSWERS
from bot.domain.text import clean_text
from bot.flows import reporter_actions
from bot.flows.context import AppContext
from bot.flows.reporter_actions import ReporterRefused
from bot.slack.copy import FORM_TAMPERED, reporter_refusal
from bot.slack.ids import Block, Callback
from bot.slack.signed_metadata import read_form_metadata
from bot.slack.team_views import MESSAGE_MAX
from handlers.form_state import selected_value, value_of


def register(app: App, context: AppContext) -> None:
    def concern_of(form: str, body: dict[str, Any], view: dict[str, Any]) -> str | None:
        user = body["user"]["id"]
        return read_form_metadata(context.vault.ring, form, view.get("private_metadata"), user)

    @app.view(Callback.REPORTER_REPLY.value)
    def submit_reply(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        concern_id = concern_of(Callback.REPORTER_REPLY, body, view)
        text, error = clean_text(
            value_of(view, Block.MESSAGE).get("value"),
            limit=MESSAGE_MAX,
            required=True,
            label="your reply",
        )
        if concern_id is None or error or text is None:
            ack(response_action="errors", errors={Block.MESSAGE: error or FORM_TAMPERED})
            return
        try:
            reporter_actions.send_reply(
                context, concern_id, body["user"]["id"], text, submission_id=str(view.get("id"))
            )
        except ReporterRefused as refused:
            message = reporter_refusal(refused.why, refused.detail)
            ack(response_action="errors", errors={Block.MESSAGE: message})
            return
        ack()

    @app.view(Callback.FEEDBACK.value)
    def submit_feedback(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        concern_id = concern_of(Callback.FEEDBACK, body, view)
        answer = selected_value(view, Block.FEEDBACK)
        comment, error = clean_text(
            value_of(view, Block.FEEDBACK_COMMENT).get("value"),
            limit=MESSAGE_MAX,
            required=False,
            label="a comment",
        )
        if concern_id is None:
            ack(response_action="errors", errors={Block.FEEDBACK: FORM_TAMPERED})
            return
        if answer not in FEEDBACK_ANSWERS or error:
            errors: dict[str, str] = {Block.FEEDBACK_COMMENT: error} if error else {}
            if answer not in FEEDBACK_ANSWERS:
                errors[Block.FEEDBACK] = "Choose one of the answers."
            ack(response_action="errors", errors=errors)
            return
        try:
            reporter_actions.send_feedback(context, concern_id, body["user"]["id"], answer, comment)
        except ReporterRefused as refused:
            message = reporter_refusal(refused.why, refused.detail)
            ack(response_action="errors", errors={Block.FEEDBACK: message})
            return
        ack()
