"""The escalation ladder's job: every few minutes, climb each open deadline's ladder.

Open concerns are found by the indexed status column, reading plain columns only (nothing is
decrypted). For every rung a deadline has reached (bot.domain.escalation), one outbox item is
queued under a key naming the concern, the deadline, its due time and the rung, so each rung
happens once however often the job runs or however many replicas run it; each rung climbed
is recorded in the concern's timeline and the audit log, content-free.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from bot.domain.deadlines import Deadline, deadlines
from bot.domain.escalation import RUNG_NAMES, Rung, due_rungs, track_of
from bot.domain.policy import Policy
from bot.domain.schedules import EveryMinutes
from bot.domain.taxonomy import ConcernKind, Status
from bot.flows import effects
from bot.flows.context import AppContext
from bot.flows.due_times import CLOCK_COLUMNS
from bot.flows.effects import EffectKind
from bot.flows.timeline import add_event
from bot.jobs.runner import Job, counted
from storage import audit
from storage.crypto import CryptoError
from storage.models import Concern
from storage.vault import IntegrityCheckFailed

log = structlog.stdlib.get_logger(__name__)

ESCALATION_MINUTES = 5
OPEN = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)

# What the deadlines need, and nothing sealed.
_CLOCK_COLUMNS = load_only(Concern.id, Concern.reference, Concern.version, *CLOCK_COLUMNS)

_KINDS = {
    Rung.REMINDER: EffectKind.ESCALATION_REMINDER,
    Rung.DUE: EffectKind.ESCALATION_OVERDUE,
    Rung.LEADS: EffectKind.ESCALATION_DM,
    Rung.EXECUTIVES: EffectKind.ESCALATION_DM,
}

_SUMMARIES = {
    Rung.REMINDER: "Escalation: reminder in the card's thread",
    Rung.DUE: "Escalation: overdue, the team told in the channel",
    Rung.LEADS: "Escalation: still overdue, the leads told by direct message",
    Rung.EXECUTIVES: "Escalation: still overdue, the executive leads told by direct message",
}


def rung_key(concern_id: str, deadline: Deadline, rung: Rung) -> str:
    """The idempotency key of one rung of one deadline (at most 80 characters)."""
    return f"esc:{concern_id}:{deadline.key}:{int(deadline.due_at.timestamp())}:{int(rung)}"


def recipients(policy: Policy, kind: str, rung: Rung) -> tuple[str, ...]:
    """Who a DM rung goes to: the team's leads, then the executive leads."""
    if rung is Rung.EXECUTIVES:
        return policy.executive_leads
    if rung is Rung.LEADS:
        if kind == ConcernKind.SAFEGUARDING:
            return policy.safeguarding_leads
        return policy.guardian_leads
    return ()


def climb(session: Session, context: AppContext, now: datetime) -> int:
    """Queue every rung reached by `now` and not queued before; returns how many."""
    policy = context.policy
    queued = 0
    open_concerns = session.scalars(
        select(Concern).where(Concern.status.in_(OPEN)).options(_CLOCK_COLUMNS)
    )
    for concern in open_concerns:
        track = track_of(concern.kind, concern.urgent)
        for deadline in deadlines(concern, policy.timescales, now):
            for rung in due_rungs(deadline.starts_at, deadline.due_at, track, policy.ladder, now):
                if _queue_rung(session, context, concern, deadline, rung, now):
                    queued += 1
    return queued


def _queue_rung(
    session: Session,
    context: AppContext,
    concern: Concern,
    deadline: Deadline,
    rung: Rung,
    now: datetime,
) -> bool:
    if not effects.queue_escalation(
        session,
        concern_id=concern.id,
        kind=_KINDS[rung],
        key=rung_key(concern.id, deadline, rung),
        deadline=deadline.key.value,
        what=deadline.what,
        due_at=deadline.due_at,
        rung=int(rung),
        urgent=concern.urgent,
        now=now,
        recipients=recipients(context.policy, concern.kind, rung),
    ):
        return False
    try:
        add_event(
            session,
            context.vault,
            concern,
            kind="escalation",
            actor_role="system",
            summary=f"{_SUMMARIES[rung]} ({deadline.what})",
            now=now,
        )
    except (IntegrityCheckFailed, CryptoError) as failure:
        # The rung still goes out and is audited: a concern whose sealed facts were tampered
        # with is no reason to leave its deadline unheard (View details names the failure).
        log.error(
            "escalation.timeline_not_written",
            reference=concern.reference,
            error=type(failure).__name__,
        )
    audit.append(
        session,
        at=now,
        actor="system",
        action=f"escalation.{RUNG_NAMES[rung]}",
        concern_reference=concern.reference,
        detail={
            "deadline": deadline.key.value,
            "due_at": deadline.due_at.isoformat(),
            "rung": int(rung),
        },
    )
    log.info(
        "escalation.rung",
        reference=concern.reference,
        deadline=deadline.key.value,
        rung=RUNG_NAMES[rung],
    )
    return True


ESCALATION = Job(
    name="escalation",
    schedule=EveryMinutes(ESCALATION_MINUTES),
    work=counted(climb, "escalations queued"),
    description="Climbs the escalation ladder of every open deadline",
)
