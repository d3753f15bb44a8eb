"""After closure, the detriment check-in: ask reachable reporters once, N weeks on, whether
they have been treated worse for speaking up, and act on the answer.

The question is a timeline event sent through the same DM relay as every other update, so an
anonymous reporter with follow-up is asked without anyone learning who they are, and a
no-contact reporter (no link kept) is never asked. Only the concern's own reporter may answer:
the user id from Slack's verified payload is compared with the sealed reporter link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.domain.aftercare import (
    CHECKIN_QUESTION,
    CheckinAnswer,
    checkin_is_due,
    closed_between,
)
from bot.domain.moves import REPORTER, IllegalMove, Move
from bot.domain.policy import Policy
from bot.domain.taxonomy import ConcernKind, Status
from bot.flows import effects
from bot.flows.context import AppContext
from bot.flows.conversation import audit_concern, is_anonymous, note_on_card
from bot.flows.lifecycle import transition
from bot.flows.reporter_actions import (
    Refusal,
    ReporterRefused,
    reporters_concern,
    sealed_facts_checked,
)
from bot.flows.timeline import add_event, notify_reporter
from storage.models import Concern
from storage.vault import Vault

log = structlog.stdlib.get_logger(__name__)

CHECKIN_EVENT = "detriment_checkin"
ANSWER_EVENT = "detriment_checkin_answer"
# At most this many reporters asked per run: the run is one transaction, and on SQLite one
# writer at a time, so a backlog is worked off over successive runs (a quarter of an hour
# apart) rather than holding up concerns being raised.
ASK_PER_RUN = 100
PAGE = 500
RACE = (
    "Your concern changed at the same moment, so your answer was not recorded. "
    "Please press the button again."
)


def due_checkins(session: Session, policy: Policy, now: datetime, limit: int) -> list[str]:
    """Ids of up to `limit` concerns whose reporter is due the check-in and not yet asked.
    Reads closing times only, a page at a time, oldest first."""
    weeks = policy.aftercare.checkin_weeks
    earliest, latest = closed_between(now, weeks)
    found: list[str] = []
    after: tuple[datetime, str] | None = None
    while len(found) < limit:
        query = (
            select(Concern.id, Concern.closed_at)
            .where(
                Concern.status == Status.CLOSED,
                Concern.closed_at >= earliest,
                Concern.closed_at <= latest,
                Concern.checkin_sent_at.is_(None),
                Concern.reporter_enc.is_not(None),  # no-contact reporters are never asked
            )
            .order_by(Concern.closed_at, Concern.id)
            .limit(PAGE)
        )
        if after is not None:
            query = query.where(
                (Concern.closed_at > after[0])
                | ((Concern.closed_at == after[0]) & (Concern.id > after[1]))
            )
        rows = session.execute(query).all()
        found += [
            row.id
            for row in rows
            if row.closed_at is not None
            and checkin_is_due(row.closed_at, weeks, policy.timezone, now)
        ]
        if len(rows) < PAGE:
            break
        after = (rows[-1].closed_at, rows[-1].id)
    return found[:limit]


def ask_due_checkins(session: Session, vault: Vault, policy: Policy, now: datetime) -> int:
    """Queue the check-in for reachable reporters whose concern's day has come (at most
    ASK_PER_RUN), once per concern: the sent mark is set in this transaction, only where it
    is still unset."""
    if policy.aftercare.checkin_weeks <= 0:
        return 0
    asked = 0
    for concern_id in due_checkins(session, policy, now, ASK_PER_RUN):
        # A plain UPDATE: asking is not a change a guardian's action must be checked against.
        marked = session.execute(
            update(Concern)
            .where(Concern.id == concern_id, Concern.checkin_sent_at.is_(None))
            .values(checkin_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        concern = session.get(Concern, concern_id)
        if concern is None or not getattr(marked, "rowcount", 0):
            continue
        event_uid = add_event(
            session,
            vault,
            concern,
            kind=CHECKIN_EVENT,
            actor_role="system",
            summary=CHECKIN_QUESTION,
            now=now,
            visible_to_reporter=True,
        )
        notify_reporter(session, concern, event_uid, now)
        audit_concern(session, concern, "aftercare.checkin_sent", actor="system", now=now)
        log.info("aftercare.checkin_sent", reference=concern.reference)
        asked += 1
    return asked


@dataclass(frozen=True)
class CheckinAnswered:
    reference: str
    answer: CheckinAnswer


def _leads(policy: Policy, concern: Concern) -> tuple[str, ...]:
    if concern.kind == ConcernKind.SAFEGUARDING:
        return policy.safeguarding_leads
    return policy.guardian_leads


def _team(policy: Policy, concern: Concern) -> tuple[str, ...]:
    if concern.kind == ConcernKind.SAFEGUARDING:
        return policy.safeguarding_team
    return policy.guardians


def _mentions(ids: tuple[str, ...]) -> str:
    return " ".join(f"<!subteam^{i}>" if i.startswith("S") else f"<@{i}>" for i in ids)


def _tell_team(session: Session, policy: Policy, concern: Concern, now: datetime) -> None:
    """A person must be told: the owner and the leads by DM; the card's thread too, unless the
    reporter is anonymous (a line there at the moment they answered could be lined up with
    Slack's record of who was using the app), or nobody could be DMed at all."""
    recipients = tuple(dict.fromkeys((*((concern.owner_id,) if concern.owner_id else ()),
                                      *_leads(policy, concern))))  # fmt: skip
    if recipients:
        effects.queue_detriment_alert(
            session, concern_id=concern.id, recipients=recipients, now=now
        )
    if recipients and is_anonymous(concern):
        return
    who = _mentions((concern.owner_id,) if concern.owner_id else _team(policy, concern))
    note_on_card(
        session,
        concern,
        f":warning: After-closure check-in: the reporter says they have been treated worse "
        f"for speaking up. Detriment is recorded on the case. {who} please follow up "
        "(View details; Reopen if there is more to do).",
        now,
        f"detriment:{concern.id}",
    )


@sealed_facts_checked("checkin")
def answer_checkin(
    context: AppContext, concern_id: str, user_id: str, answer: CheckinAnswer
) -> CheckinAnswered:
    """Record the reporter's answer once; ReporterRefused (nothing changed) otherwise."""
    now = context.now()
    try:
        with context.db.transaction() as session:
            concern = reporters_concern(
                session, context.vault, concern_id, user_id, otherwise=Refusal.NOT_YOURS
            )
            if concern.checkin_sent_at is None:
                raise ReporterRefused(Refusal.NOT_YOURS)
            if concern.checkin_answer is not None:
                raise ReporterRefused(Refusal.CHECKIN_ANSWERED)
            if concern.status != Status.CLOSED:
                raise ReporterRefused(Refusal.CHECKIN_REOPENED)
            _record_answer(session, context, concern, answer, now)
            reference = concern.reference
    except StaleDataError:
        raise ReporterRefused(Refusal.CHECKIN_ANSWERED, RACE) from None
    log.info("aftercare.checkin_answered", reference=reference)
    context.wake_outbox()
    return CheckinAnswered(reference, answer)


def _record_answer(
    session: Session, context: AppContext, concern: Concern, answer: CheckinAnswer, now: datetime
) -> None:
    concern.checkin_answer = answer.value
    concern.checkin_answered_at = now
    concern.updated_at = now
    action = (
        "aftercare.detriment_indicated"
        if answer is CheckinAnswer.YES
        else "aftercare.checkin_answered"
    )
    audit_concern(
        session, concern, action, actor="reporter", now=now, detail={"answer": answer.value}
    )
    if answer is CheckinAnswer.NO:
        add_event(
            session,
            context.vault,
            concern,
            kind="detriment_not_indicated",
            actor_role="reporter",
            summary="After closure, the reporter said they have not been treated worse",
            now=now,
        )
        return  # thanked where they pressed: nothing to alarm anyone about
    if concern.detriment != "yes":
        # The quarterly return counts detriment in the quarter it was indicated.
        concern.detriment = "yes"
        concern.detriment_indicated_at = now
    add_event(
        session,
        context.vault,
        concern,
        kind="detriment_indicated",
        actor_role="reporter",
        summary="After closure, the reporter said they have been treated worse for speaking up",
        now=now,
    )
    _tell_team(session, context.policy, concern, now)
    who = (
        "The safeguarding team has"
        if concern.kind == ConcernKind.SAFEGUARDING
        else "The guardians have"
    )
    # The reporter keeps this in their DMs, with the offer to reopen (bot.slack.reporter_messages).
    event_uid = add_event(
        session,
        context.vault,
        concern,
        kind=ANSWER_EVENT,
        actor_role="reporter",
        summary=f"Thank you for telling us. {who} been told and will follow this up with you",
        now=now,
        visible_to_reporter=True,
    )
    notify_reporter(session, concern, event_uid, now)


@sealed_facts_checked("checkin")
def reopen_by_reporter(context: AppContext, concern_id: str, user_id: str) -> str:
    """The reporter reopens their concern after saying they were treated worse; through the
    one transition function. Returns the reference; ReporterRefused otherwise."""
    now = context.now()
    try:
        with context.db.transaction() as session:
            concern = reporters_concern(
                session, context.vault, concern_id, user_id, otherwise=Refusal.NOT_YOURS
            )
            if concern.checkin_answer != CheckinAnswer.YES:
                raise ReporterRefused(Refusal.NOT_YOURS)
            if concern.status != Status.CLOSED:
                raise ReporterRefused(Refusal.CHECKIN_REOPENED)
            transition(
                session,
                context.vault,
                concern,
                Move.REOPEN,
                actor_id=REPORTER,
                now=now,
                update_interval_days=context.policy.timescales.update_interval_days,
            )
            reference = concern.reference
    except IllegalMove:
        raise ReporterRefused(Refusal.CHECKIN_REOPENED) from None
    except StaleDataError:
        raise ReporterRefused(Refusal.CHECKIN_REOPENED, RACE) from None
    log.info("aftercare.reopened_by_reporter", reference=reference)
    context.wake_outbox()
    return reference
