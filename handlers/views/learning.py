"""The learning summary's forms sent back: a draft, and a second guardian's approval."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.text import clean_text
from bot.flows import learning_summary
from bot.flows.context import AppContext
from bot.slack.copy import FORM_TAMPERED
from bot.slack.ids import Block, Callback
from bot.slack.learning_views import LEARNING_MAX
from bot.slack.signed_metadata import read_form_metadata
from handlers.form_state import value_of


def register(app: App, context: AppContext) -> None:
    def concern_of(form: str, body: dict[str, Any]) -> tuple[str, str | None, dict[str, Any]]:
        user = body["user"]["id"]
        given = body.get("view")
        view: dict[str, Any] = given if isinstance(given, dict) else {}
        concern = read_form_metadata(context.vault.ring, form, view.get("private_metadata"), user)
        return user, concern, view

    @app.view(Callback.LEARNING_DRAFT.value)
    def submit_draft(ack: Ack, body: dict[str, Any]) -> None:
        user, concern_id, view = concern_of(Callback.LEARNING_DRAFT, body)
        if concern_id is None:
            ack(response_action="errors", errors={Block.LEARNING_TEXT: FORM_TAMPERED})
            return
        text, error = clean_text(
            value_of(view, Block.LEARNING_TEXT).get("value"),
            limit=LEARNING_MAX,
            required=True,
            label="the summary",
        )
        problem = error or (
            None
            if text is None
            else learning_summary.save_draft(
                context, concern_id, user, text, submission_id=str(view.get("id") or "")
            )
        )
        if problem or text is None:
            ack(response_action="errors", errors={Block.LEARNING_TEXT: problem or error})
            return
        ack()

    @app.view(Callback.LEARNING_APPROVE.value)
    def submit_approval(ack: Ack, body: dict[str, Any]) -> None:
        user, concern_id, view = concern_of(Callback.LEARNING_APPROVE, body)
        if concern_id is None:
            ack(response_action="update", view=_notice(FORM_TAMPERED))
            return
        problem = learning_summary.approve(
            context, concern_id, user, submission_id=str(view.get("id") or "")
        )
        if problem:
            ack(response_action="update", view=_notice(problem))
            return
        ack()


def _notice(text: str) -> dict[str, Any]:
    """The approval modal has no input to hang an error on: it turns into the reason."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Approve summary"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}],
    }
