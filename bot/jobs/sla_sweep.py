"""The SLA sweep: every few minutes, flag on its card each deadline that has passed.

Found by an indexed query over open concerns; each passed deadline queues one card refresh,
keyed by the deadline, so a second sweep (or a second replica) queues nothing new.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.deadlines import deadlines
from bot.domain.schedules import EveryMinutes, Period
from bot.domain.taxonomy import Status
from bot.flows import effects
from bot.flows.context import AppContext
from bot.jobs.runner import Job
from storage.models import Concern

log = structlog.stdlib.get_logger(__name__)

SWEEP_MINUTES = 10


def flag_overdue(session: Session, context: AppContext, now: datetime) -> int:
    """Queue a card refresh for every open concern whose deadline has passed, once per
    deadline, so an overdue acknowledgement or referral shows on the card without anyone
    acting. Returns how many were queued."""
    scales = context.policy.timescales
    queued = 0
    open_concerns = session.scalars(select(Concern).where(Concern.status != Status.CLOSED))
    for concern in open_concerns:
        for deadline in deadlines(concern, scales, now):
            if not deadline.overdue:
                continue
            what = hashlib.sha256(deadline.what.encode()).hexdigest()[:8]
            if effects.queue_card(
                session,
                concern_id=concern.id,
                key=f"late:{what}:{int(deadline.due_at.timestamp())}",
                urgent=concern.urgent,
                now=now,
                once=True,
            ):
                queued += 1
                log.warning("sla.overdue", reference=concern.reference, deadline=deadline.what)
    return queued


def _work(session: Session, context: AppContext, period: Period, now: datetime) -> str:
    return f"{flag_overdue(session, context, now)} cards flagged"


SLA_SWEEP = Job(
    name="sla_sweep",
    schedule=EveryMinutes(SWEEP_MINUTES),
    work=_work,
    description="Flags passed deadlines on their cards",
)
