"""Scheduled jobs. Each process keeps its own clock (APScheduler 3 cannot share a job store
between processes); who runs a period is decided by a database claim, a unique row per job
and period, so several replicas run each period exactly once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.domain.clock import utcnow
from bot.domain.deadlines import deadlines
from bot.domain.taxonomy import Status
from bot.flows.context import AppContext
from storage import outbox
from storage.models import Concern, JobRun

log = structlog.stdlib.get_logger(__name__)

SWEEP_MINUTES = 10


def claim_period(context: AppContext, job: str, period: str, owner: str) -> bool:
    """True if this process won the right to run `job` for `period`."""
    try:
        with context.db.transaction() as session:
            session.add(JobRun(job=job, period=period, claimed_by=owner, claimed_at=utcnow()))
    except IntegrityError:
        return False
    return True


def sla_sweep(context: AppContext, now: datetime) -> int:
    """Refresh the card of every open concern whose deadline has passed, once per deadline,
    so an overdue acknowledgement or referral shows on the card without anyone acting."""
    scales = context.policy.timescales
    queued = 0
    with context.db.transaction() as session:
        open_concerns = session.scalars(select(Concern).where(Concern.status != Status.CLOSED))
        for concern in open_concerns:
            for deadline in deadlines(concern, scales, now):
                if not deadline.overdue:
                    continue
                what = hashlib.sha256(deadline.what.encode()).hexdigest()[:8]
                key = f"card:{concern.id}:late:{what}:{int(deadline.due_at.timestamp())}"
                if outbox.enqueue(
                    session,
                    kind="card",
                    lane=f"card:{concern.id}",
                    idempotency_key=key,
                    concern_id=concern.id,
                    now=now,
                    priority=outbox.URGENT if concern.urgent else outbox.NORMAL,
                    once=True,
                ):
                    queued += 1
                    log.warning("sla.overdue", reference=concern.reference, deadline=deadline.what)
    if queued:
        context.wake_outbox()
    return queued


def run_sweep_if_due(context: AppContext, owner: str, now: datetime | None = None) -> bool:
    now = now or utcnow()
    period = f"{now:%Y-%m-%dT%H}:{now.minute // SWEEP_MINUTES}"
    if not claim_period(context, "sla_sweep", period, owner):
        return False
    with context.telemetry.job("sla_sweep"):
        sla_sweep(context, now)
    return True


def start_scheduler(context: AppContext, owner: str) -> BackgroundScheduler:
    """Run the sweep now (catching up on anything missed while down) and every few minutes."""
    scheduler = BackgroundScheduler(timezone="UTC")
    job: Callable[[], bool] = lambda: run_sweep_if_due(context, owner)  # noqa: E731
    scheduler.add_job(
        job,
        "interval",
        minutes=SWEEP_MINUTES,
        next_run_time=utcnow(),
        coalesce=True,
        max_instances=1,
        id="sla_sweep",
    )
    scheduler.start()
    return scheduler
