"""The reporter's reply and feedback forms."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import Ack, App
from sqlalchemy.exc import IntegrityError

from bot.domain.clock import utcnow
from bot.domain.taxonomy import FEEDBACK_ANSWERS, Status
from bot.flows.context import AppContext
from bot.flows.conversation import is_reporter, record_reporter_reply
from bot.flows.integrity import IntegrityCheckFailed, integrity_failed
from bot.flows.lifecycle import IllegalMove
from bot.flows.team_actions import claim_submission, read_form_metadata
from bot.flows.triage import find_concern, record_feedback
from bot.slack.copy import FORM_TAMPERED, REPLIES_CLOSED
from bot.slack.ids import Block, Callback
from bot.slack.raise_form import clean_text
from bot.slack.team_views import MESSAGE_MAX
from handlers.form_state import selected_value, value_of

log = structlog.stdlib.get_logger(__name__)


def register(app: App, context: AppContext) -> None:
    @app.view(Callback.REPORTER_REPLY.value)
    def submit_reply(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        concern_id = read_form_metadata(
            context, Callback.REPORTER_REPLY, view.get("private_metadata"), user
        )
        text, error = clean_text(
            value_of(view, Block.MESSAGE).get("value"),
            limit=MESSAGE_MAX,
            required=True,
            label="your reply",
        )
        if concern_id is None or error or text is None:
            ack(response_action="errors", errors={Block.MESSAGE: error or FORM_TAMPERED})
            return
        problem: str | None = None
        reference: str | None = None
        try:
            with context.db.transaction() as session:
                concern = find_concern(session, concern_id)
                if concern is None or not is_reporter(context.vault, concern, user):
                    problem = FORM_TAMPERED
                elif concern.status == Status.CLOSED:
                    problem = REPLIES_CLOSED
                else:
                    claim_submission(context, session, str(view.get("id") or ""))
                    record_reporter_reply(session, context.vault, concern, text, now=utcnow())
                    reference = concern.reference
        except IntegrityError:
            problem = None  # the same reply sent twice: it is already recorded
        except IntegrityCheckFailed as failure:
            problem = integrity_failed(
                context.db, failure, actor="reporter", where="reply", now=utcnow()
            )
        if problem:
            ack(response_action="errors", errors={Block.MESSAGE: problem})
            return
        log.info("reporter.replied", reference=reference)
        ack()
        context.wake_outbox()

    @app.view(Callback.FEEDBACK.value)
    def submit_feedback(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        concern_id = read_form_metadata(
            context, Callback.FEEDBACK, view.get("private_metadata"), user
        )
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
        problem = None
        try:
            with context.db.transaction() as session:
                concern = find_concern(session, concern_id)
                if concern is None or not is_reporter(context.vault, concern, user):
                    problem = FORM_TAMPERED
                else:
                    try:
                        record_feedback(
                            session, context.vault, concern, answer, comment, now=utcnow()
                        )
                    except IllegalMove as refused:
                        problem = str(refused)
        except IntegrityCheckFailed as failure:
            problem = integrity_failed(
                context.db, failure, actor="reporter", where="feedback", now=utcnow()
            )
        if problem:
            ack(response_action="errors", errors={Block.FEEDBACK: problem})
            return
        ack()
