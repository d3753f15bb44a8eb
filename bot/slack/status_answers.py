"""From `/speakup status`, the receipt page's Reply and the App Home to what Slack shows.

Each function reads or writes in one short transaction and returns plain values for the
handler to send; none of them calls Slack, and none records who asked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.domain.taxonomy import ConcernKind, IdentityMode, Status
from bot.domain.text import clean_text
from bot.flows import dedupe
from bot.flows.authorisation import TeamLookupFailed
from bot.flows.context import AppContext
from bot.flows.conversation import latest_question, record_reporter_reply
from bot.flows.integrity import integrity_failed
from bot.flows.receipt_guard import ReceiptGuard
from bot.flows.reporter_status import ConcernOverview, find_by_receipt, my_concerns, overview
from bot.slack import home, receipt_feedback
from bot.slack import receipt_page as receipt_views
from bot.slack.ids import Block
from bot.slack.raise_parsing import state_values
from bot.slack.receipt_page import REPLY_MAX, Message
from bot.slack.receipt_passes import (
    PAGE_STEP,
    PAGE_STEP_SECONDS,
    REPLY_STEP,
    REPLY_STEP_SECONDS,
    issue_pass,
    read_pass,
)
from storage.models import Concern
from storage.vault import IntegrityCheckFailed

log = structlog.stdlib.get_logger(__name__)

REPLY_EXPIRED = (
    "For your protection this form has expired. Copy your text, close the form and type "
    "`/speakup status <receipt>` again to reply."
)
REPLY_CLOSED = "This concern has been closed, so replies are no longer read."
NOT_SAVED = "We could not save your reply just now. Your text is still here: try Send again."


def status_command(
    context: AppContext, guard: ReceiptGuard, user_id: str, argument: str, *, now: datetime
) -> Message:
    """`/speakup status` lists the person's concerns; with a receipt, shows that concern."""
    try:
        return _status(context, guard, user_id, argument, now=now)
    except SQLAlchemyError as exc:
        log.error("status.unavailable", error=type(exc).__name__)
        return receipt_views.unavailable()
    except IntegrityCheckFailed as failure:
        receipt = bool(argument.strip())
        told = integrity_failed(
            context.db,
            failure,
            actor="reporter",
            where="receipt" if receipt else "status",
            now=now,
            name_concern=not receipt,
        )
        return receipt_views.plain(told)


def _status(
    context: AppContext, guard: ReceiptGuard, user_id: str, argument: str, *, now: datetime
) -> Message:
    if not argument.strip():
        with context.db.transaction() as session:
            concerns = my_concerns(session, context.vault, user_id)
        return receipt_views.my_concerns_message(concerns)
    wait, attempt = guard.begin(user_id)
    if wait:
        log.info("receipt.paused")
        return receipt_views.too_many_tries(wait)
    with context.db.transaction() as session:
        concern = find_by_receipt(session, context.vault, argument)
        found = overview(session, context.vault, concern) if concern is not None else None
    if found is None:
        log.info("receipt.no_match")
        return receipt_views.no_match()
    guard.succeeded(user_id, attempt)
    # No reference in the log: with Slack's own records a line's time could link a person
    # to a no-contact concern.
    log.info("receipt.checked")
    reply_pass = (
        None
        if found.closed
        else issue_pass(
            context.vault.ring,
            PAGE_STEP,
            found.concern_id,
            user_id,
            now=now,
            seconds=PAGE_STEP_SECONDS,
        )
    )
    feedback_pass = (
        receipt_feedback.page_pass(context, found.concern_id, user_id, now=now)
        if found.closed and not found.feedback_given
        else None
    )
    return receipt_views.receipt_page(found, reply_pass, feedback_pass)


def _answerable(concern: Concern | None) -> bool:
    return (
        concern is not None
        and concern.identity_mode == IdentityMode.ANONYMOUS_NO_CONTACT
        and concern.receipt_hash is not None
        and concern.status != Status.CLOSED
    )


def reply_form(
    context: AppContext, user_id: str, button_value: object, *, now: datetime
) -> dict[str, Any] | None:
    """The reply modal for a receipt page's Reply button, or None if its pass is not good."""
    concern_id = read_pass(context.vault.ring, PAGE_STEP, button_value, user_id, now=now)
    if concern_id is None:
        return None
    try:
        with context.db.transaction() as session:
            concern = session.get(Concern, concern_id)
            if concern is None or not _answerable(concern):
                return None
            reference = concern.reference
            question = latest_question(session, context.vault, concern)
    except IntegrityCheckFailed as failure:
        integrity_failed(
            context.db, failure, actor="reporter", where="receipt", now=now, name_concern=False
        )
        return None
    metadata = issue_pass(
        context.vault.ring, REPLY_STEP, concern_id, user_id, now=now, seconds=REPLY_STEP_SECONDS
    )
    return receipt_views.reply_modal(reference, question, metadata)


class _Unanswerable(Exception):
    """The concern closed (or stopped taking replies) after the form was opened."""


def _errors(message: str) -> dict[str, Any]:
    return {"response_action": "errors", "errors": {Block.MESSAGE: message}}


def submit_reply(
    context: AppContext, user_id: str, view: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """The arguments for ack() when a receipt holder sends a reply."""
    ring = context.vault.ring
    concern_id = read_pass(ring, REPLY_STEP, view.get("private_metadata"), user_id, now=now)
    if concern_id is None:
        return _errors(REPLY_EXPIRED)
    field = state_values(view).get(Block.MESSAGE)
    typed = field.get(Block.MESSAGE) if isinstance(field, dict) else None
    text, error = clean_text(
        typed.get("value") if isinstance(typed, dict) else None,
        limit=REPLY_MAX,
        required=True,
        label="your reply",
    )
    if error or text is None:
        return _errors(error)
    view_id = view.get("id")
    if not isinstance(view_id, str) or not view_id:
        return _errors(REPLY_EXPIRED)
    try:
        with context.db.transaction() as session:
            # The same form sent twice records one reply (a keyed hash: no Slack id stored).
            dedupe.claim_view(session, ring, view_id, now=now, purpose="reply")
            concern = session.get(Concern, concern_id)
            if concern is None or not _answerable(concern):
                raise _Unanswerable
            record_reporter_reply(session, context.vault, concern, text, now=now)
            reference = concern.reference
    except _Unanswerable:
        return _errors(REPLY_CLOSED)
    except IntegrityCheckFailed as failure:
        return _errors(
            integrity_failed(
                context.db, failure, actor="reporter", where="receipt", now=now, name_concern=False
            )
        )
    except IntegrityError:
        with context.db.transaction() as session:
            concern = session.get(Concern, concern_id)
            reference = concern.reference if concern else ""
    except SQLAlchemyError as exc:
        log.error("receipt.reply_not_saved", error=type(exc).__name__)
        return _errors(NOT_SAVED)
    log.info("receipt.replied")
    return {"response_action": "update", "view": receipt_views.reply_sent_view(reference)}


def home_for(context: AppContext, user_id: str) -> dict[str, Any]:
    """The Home tab for this person: general information, then their own concerns."""
    try:
        with context.db.transaction() as session:
            concerns: list[ConcernOverview] | None = my_concerns(session, context.vault, user_id)
    except SQLAlchemyError as exc:
        log.error("home.concerns_unavailable", error=type(exc).__name__)
        concerns = None  # the general information still shows
    except IntegrityCheckFailed as failure:
        integrity_failed(context.db, failure, actor="reporter", where="home", now=context.now())
        concerns = None
    try:
        guardian = context.team.may_act(user_id, ConcernKind.SPEAK_UP)
    except TeamLookupFailed:
        guardian = False  # the general information and their own concerns still show
    return home.home_view(concerns, guardian=guardian)
