"""A no-contact reporter's answer to "would you speak up again?", from their receipt page.

Other reporters are asked by DM when their concern closes; a no-contact reporter has no DM,
so the closed concern's receipt page asks instead. The Give feedback button and the form it
opens carry short-lived signed passes bound to whoever proved the receipt (as Reply does):
nothing about the person is stored or logged, only the answer and the date it was given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from bot.domain.moves import IllegalMove
from bot.domain.taxonomy import FEEDBACK_ANSWERS, IdentityMode
from bot.domain.text import clean_text
from bot.flows.context import AppContext
from bot.flows.integrity import integrity_failed
from bot.flows.triage import record_feedback
from bot.slack import receipt_page as receipt_views
from bot.slack.copy import FEEDBACK_RECORDED
from bot.slack.ids import Block, Callback
from bot.slack.raise_parsing import state_values
from bot.slack.receipt_passes import (
    FEEDBACK_PAGE_STEP,
    FEEDBACK_STEP,
    PAGE_STEP_SECONDS,
    REPLY_STEP_SECONDS,
    issue_pass,
    read_pass,
)
from bot.slack.team_views import MESSAGE_MAX, feedback_view
from storage.models import Concern
from storage.vault import IntegrityCheckFailed

log = structlog.stdlib.get_logger(__name__)

NOT_SAVED = "We could not save your answer just now. Please try Send again."
CHOOSE = "Choose one of the answers."


def _no_contact(concern: Concern | None) -> bool:
    return (
        concern is not None
        and concern.identity_mode == IdentityMode.ANONYMOUS_NO_CONTACT
        and concern.receipt_hash is not None
    )


def page_pass(context: AppContext, concern_id: str, user_id: str, *, now: datetime) -> str:
    """The Give feedback button's value on a closed concern's receipt page."""
    return issue_pass(
        context.vault.ring,
        FEEDBACK_PAGE_STEP,
        concern_id,
        user_id,
        now=now,
        seconds=PAGE_STEP_SECONDS,
    )


def feedback_form(
    context: AppContext, user_id: str, button_value: object, *, now: datetime
) -> dict[str, Any] | str:
    """The feedback form for a receipt page's Give feedback button, or what to tell the
    person instead (an expired or borrowed page, or feedback already given)."""
    ring = context.vault.ring
    concern_id = read_pass(ring, FEEDBACK_PAGE_STEP, button_value, user_id, now=now)
    if concern_id is None:
        return receipt_views.PAGE_EXPIRED
    try:
        with context.db.transaction() as session:
            concern = session.get(Concern, concern_id)
            if concern is None or not _no_contact(concern):
                return receipt_views.PAGE_EXPIRED
            if concern.feedback is not None:
                return FEEDBACK_RECORDED
            reference = concern.reference
    except SQLAlchemyError as exc:
        log.error("receipt.feedback_unavailable", error=type(exc).__name__)
        return receipt_views.unavailable().text
    metadata = issue_pass(
        ring, FEEDBACK_STEP, concern_id, user_id, now=now, seconds=REPLY_STEP_SECONDS
    )
    return feedback_view(reference, metadata, Callback.RECEIPT_FEEDBACK)


def _errors(errors: dict[str, str]) -> dict[str, Any]:
    return {"response_action": "errors", "errors": errors}


def _chosen(view: dict[str, Any]) -> tuple[object, object]:
    """The radio answer's value and the comment's text, as submitted (unchecked)."""
    values = state_values(view)
    answer_block = values.get(Block.FEEDBACK)
    comment_block = values.get(Block.FEEDBACK_COMMENT)
    answer = answer_block.get(Block.FEEDBACK) if isinstance(answer_block, dict) else None
    comment = comment_block.get(Block.FEEDBACK_COMMENT) if isinstance(comment_block, dict) else None
    selected = answer.get("selected_option") if isinstance(answer, dict) else None
    return (
        selected.get("value") if isinstance(selected, dict) else None,
        comment.get("value") if isinstance(comment, dict) else None,
    )


def submit_feedback(
    context: AppContext, user_id: str, view: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """The arguments for ack() when a receipt holder sends their feedback."""
    concern_id = read_pass(
        context.vault.ring, FEEDBACK_STEP, view.get("private_metadata"), user_id, now=now
    )
    if concern_id is None:
        return _errors({Block.FEEDBACK: receipt_views.FEEDBACK_EXPIRED})
    answer, typed = _chosen(view)
    comment, error = clean_text(typed, limit=MESSAGE_MAX, required=False, label="a comment")
    if not isinstance(answer, str) or answer not in FEEDBACK_ANSWERS or error:
        errors: dict[str, str] = {Block.FEEDBACK_COMMENT: error} if error else {}
        if not isinstance(answer, str) or answer not in FEEDBACK_ANSWERS:
            errors[Block.FEEDBACK] = CHOOSE
        return _errors(errors)
    try:
        with context.db.transaction() as session:
            concern = session.get(Concern, concern_id)
            if concern is None or not _no_contact(concern):
                return _errors({Block.FEEDBACK: receipt_views.FEEDBACK_EXPIRED})
            record_feedback(session, context.vault, concern, answer, comment, now=now)
            reference = concern.reference
    except IllegalMove as refused:  # already answered (or reopened since the page was shown)
        return _errors({Block.FEEDBACK: str(refused)})
    except StaleDataError:  # the same form sent twice at once: the other answer counts
        return _errors({Block.FEEDBACK: FEEDBACK_RECORDED})
    except IntegrityCheckFailed as failure:
        told = integrity_failed(
            context.db, failure, actor="reporter", where="receipt", now=now, name_concern=False
        )
        return _errors({Block.FEEDBACK: told})
    except SQLAlchemyError as exc:
        log.error("receipt.feedback_not_saved", error=type(exc).__name__)
        return _errors({Block.FEEDBACK: NOT_SAVED})
    # No reference: with Slack's own records a line's time could link a person to it.
    log.info("receipt.feedback_given")
    return {"response_action": "update", "view": receipt_views.feedback_sent_view(reference)}
