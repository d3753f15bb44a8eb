"""A guardian records a concern raised to them outside the app: the same rows, card,
timeline and deadlines as any other, so the quarterly return counts every case."""

from __future__ import annotations

import structlog

from bot.domain.taxonomy import ConcernKind
from bot.flows.authorisation import TeamLookupFailed
from bot.flows.context import AppContext
from bot.flows.raising import RaisedConcern, RaiseRequest
from bot.flows.submitting import store_submission

log = structlog.stdlib.get_logger(__name__)


class NotAGuardian(Exception):
    """Only the guardians record concerns; the message says so in plain words."""


def may_record(context: AppContext, user_id: str) -> None:
    """NotAGuardian unless `user_id` is one of the guardians (from Slack's verified payload)."""
    try:
        allowed = context.team.may_act(user_id, ConcernKind.SPEAK_UP)
    except TeamLookupFailed:
        raise NotAGuardian(
            "I could not check your team membership with Slack just now. Please try again."
        ) from None
    if not allowed:
        raise NotAGuardian("Only the guardians can record a concern.")


def record_concern(
    context: AppContext,
    request: RaiseRequest,
    *,
    guardian_id: str,
    reporter_user: str | None,
    submission_id: str,
) -> RaisedConcern:
    """Store the recorded concern (once per submitted form); NotAGuardian if not allowed."""
    may_record(context, guardian_id)
    raised = store_submission(
        context, request, reporter_user_id=reporter_user, submission_id=submission_id
    )
    if raised.duplicate:  # the form sent again: recorded, and announced, the first time
        return raised
    log.info("concern.recorded", reference=raised.reference, actor=guardian_id)
    context.wake_outbox()
    return raised
