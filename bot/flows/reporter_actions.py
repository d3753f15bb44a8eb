"""What a reachable reporter does from their DMs: open a reply or the feedback form, and send
them. Only the concern's own reporter may: the user id from Slack's verified payload is
compared with the concern's sealed reporter link; a button's value proves nothing."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar, cast

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.moves import IllegalMove
from bot.domain.taxonomy import Status
from bot.flows import dedupe
from bot.flows.context import AppContext
from bot.flows.conversation import is_reporter, latest_question, record_reporter_reply
from bot.flows.integrity import IntegrityCheckFailed, integrity_failed
from bot.flows.triage import find_concern, record_feedback
from storage.models import Concern
from storage.vault import Vault

log = structlog.stdlib.get_logger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


class Refusal(StrEnum):
    """Why a reporter's button or form did nothing; bot.slack.copy words each for them."""

    NOT_YOURS = "not_yours"  # someone else's concern, or no such concern
    TAMPERED = "tampered"  # a form whose metadata does not check out
    CLOSED = "closed"  # replies to a closed concern are no longer passed on
    REOPENED = "reopened"  # feedback waits until the concern closes again
    FEEDBACK_GIVEN = "feedback_given"
    CHECKIN_ANSWERED = "checkin_answered"  # the after-closure check-in is answered once
    CHECKIN_REOPENED = "checkin_reopened"  # the concern is open again: nothing to answer


def sealed_facts_checked(where: str) -> Callable[[F], F]:
    """Turn a concern whose sealed facts no longer match into a refusal the reporter reads;
    the ops team is told and it is audited (bot.flows.integrity)."""

    def decorate(flow: F) -> F:
        @functools.wraps(flow)
        def checked(context: AppContext, *args: Any, **kwargs: Any) -> Any:
            try:
                return flow(context, *args, **kwargs)
            except IntegrityCheckFailed as failure:
                told = integrity_failed(
                    context.db, failure, actor="reporter", where=where, now=context.now()
                )
                raise ReporterRefused(Refusal.TAMPERED, told) from None

        return cast(F, checked)

    return decorate


class ReporterRefused(Exception):
    def __init__(self, why: Refusal, detail: str = "") -> None:
        super().__init__(detail or why.value)
        self.why = why
        self.detail = detail


def reporters_concern(
    session: Session, vault: Vault, concern_id: str, user_id: str, *, otherwise: Refusal
) -> Concern:
    """The concern `user_id` raised; ReporterRefused(otherwise) when it is missing or not theirs."""
    concern = find_concern(session, concern_id)
    if concern is None or not is_reporter(vault, concern, user_id):
        raise ReporterRefused(otherwise)
    return concern


@dataclass(frozen=True)
class ReplyTarget:
    concern_id: str
    reference: str
    question: str | None  # the team's latest question, shown above the reply box


@sealed_facts_checked("reply")
def reply_target(context: AppContext, concern_id: str, user_id: str) -> ReplyTarget:
    """The concern a Reply button is for, if `user_id` raised it and it is still open."""
    with context.db.transaction() as session:
        concern = reporters_concern(
            session, context.vault, concern_id, user_id, otherwise=Refusal.NOT_YOURS
        )
        if concern.status == Status.CLOSED:
            raise ReporterRefused(Refusal.CLOSED)
        question = latest_question(session, context.vault, concern)
        return ReplyTarget(concern.id, concern.reference, question)


@sealed_facts_checked("feedback")
def feedback_target(context: AppContext, concern_id: str, user_id: str) -> ReplyTarget:
    """The concern a Give feedback button is for, if its reporter may answer now."""
    with context.db.transaction() as session:
        concern = reporters_concern(
            session, context.vault, concern_id, user_id, otherwise=Refusal.NOT_YOURS
        )
        if concern.status != Status.CLOSED:
            raise ReporterRefused(Refusal.REOPENED)
        if concern.feedback:
            raise ReporterRefused(Refusal.FEEDBACK_GIVEN)
        return ReplyTarget(concern.id, concern.reference, None)


@sealed_facts_checked("reply")
def send_reply(
    context: AppContext, concern_id: str, user_id: str, text: str, *, submission_id: str
) -> None:
    """Record the reporter's reply once per submitted view; ReporterRefused otherwise."""
    reference = None
    try:
        with context.db.transaction() as session:
            concern = reporters_concern(
                session, context.vault, concern_id, user_id, otherwise=Refusal.TAMPERED
            )
            if concern.status == Status.CLOSED:
                raise ReporterRefused(Refusal.CLOSED)
            dedupe.claim_view(session, context.vault.ring, submission_id, now=context.now())
            record_reporter_reply(session, context.vault, concern, text, now=context.now())
            reference = concern.reference
    except IntegrityError:
        return  # the same reply sent twice: it is already recorded
    log.info("reporter.replied", reference=reference)
    context.wake_outbox()


@sealed_facts_checked("feedback")
def send_feedback(
    context: AppContext, concern_id: str, user_id: str, answer: str, comment: str | None
) -> None:
    """Record the answer to "would you speak up again?"; ReporterRefused otherwise."""
    with context.db.transaction() as session:
        concern = reporters_concern(
            session, context.vault, concern_id, user_id, otherwise=Refusal.TAMPERED
        )
        try:
            record_feedback(session, context.vault, concern, answer, comment, now=context.now())
        except IllegalMove as refused:
            raise ReporterRefused(Refusal.FEEDBACK_GIVEN, str(refused)) from None
