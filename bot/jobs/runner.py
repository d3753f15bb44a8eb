"""Runs each scheduled job exactly once per period, across replicas, restarts and crashes.

A run claims (job, period) with a row whose unique key is the claim; the claim holds a
lease. The job's work and the mark "finished" are committed in one transaction, so a period
is either wholly done (its outbox items queued, its row finished) or not done at all. A claim
whose holder died is taken over once its lease has run out. Each tick looks at the latest
begun period of every job, which is how a period missed while all replicas were down is
caught up once on start.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.schedules import Period, Schedule
from bot.flows.context import AppContext
from storage import outbox
from storage.models import JobRun, OutboxItem

log = structlog.stdlib.get_logger(__name__)

# The work of one period, in the runner's transaction: queue effects, never call Slack.
# Returns a short content-free note (counts) kept on the job's row.
Work = Callable[[Session, AppContext, Period, datetime], str]


def counted(step: Callable[[Session, AppContext, datetime], int], what: str) -> Work:
    """Work that runs `step` and notes how many `what` it did, e.g. "3 cards flagged"."""

    def work(session: Session, context: AppContext, period: Period, now: datetime) -> str:
        return f"{step(session, context, now)} {what}"

    return work


@dataclass(frozen=True)
class Job:
    name: str
    schedule: Schedule
    work: Work
    description: str = ""


@dataclass(frozen=True)
class RunResult:
    job: str
    period: str
    ran: bool  # False: another process has it, or it was already finished
    note: str = ""


class LeaseLost(Exception):
    """Another process took the period over while this one was still at it."""


def _claim(context: AppContext, job: str, period: Period, owner: str, now: datetime) -> bool:
    """True if this process now holds (job, period): a new claim, or one whose lease ran out."""
    lease_until = now + context.policy.job_lease
    try:
        with context.db.transaction() as session:
            session.add(
                JobRun(
                    job=job,
                    period=period.key,
                    claimed_by=owner,
                    claimed_at=now,
                    lease_until=lease_until,
                    attempts=1,
                )
            )
        return True
    except IntegrityError:
        pass
    with context.db.transaction() as session:
        taken = session.execute(
            update(JobRun)
            .where(
                JobRun.job == job,
                JobRun.period == period.key,
                JobRun.finished_at.is_(None),
                JobRun.lease_until < now,
            )
            .values(
                claimed_by=owner,
                claimed_at=now,
                lease_until=lease_until,
                attempts=JobRun.attempts + 1,
            )
        )
        won = bool(getattr(taken, "rowcount", 0))
    if won:
        log.warning("job.lease_taken_over", job=job, period=period.key)
    return won


def run_period(
    context: AppContext, job: Job, period: Period, *, owner: str, now: datetime
) -> RunResult:
    """Claim `period` of `job` and, if won, do its work and finish it in one transaction."""
    if not _claim(context, job.name, period, owner, now):
        log.debug("job.claimed_elsewhere", job=job.name, period=period.key)
        return RunResult(job.name, period.key, ran=False)
    try:
        with context.telemetry.job(job.name), context.db.transaction() as session:
            note = job.work(session, context, period, now)
            finished = session.execute(
                update(JobRun)
                .where(
                    JobRun.job == job.name,
                    JobRun.period == period.key,
                    JobRun.claimed_by == owner,
                    JobRun.finished_at.is_(None),
                )
                .values(finished_at=now, note=note[:500], lease_until=None)
            )
            if not getattr(finished, "rowcount", 0):
                raise LeaseLost(job.name)
    except LeaseLost:
        log.warning("job.lease_lost", job=job.name, period=period.key)
        return RunResult(job.name, period.key, ran=False)
    except Exception as exc:
        # Left claimed: the lease runs out and the next tick (here or elsewhere) tries again.
        log.error("job.failed", job=job.name, period=period.key, error=type(exc).__name__)
        raise
    log.info("job.finished", job=job.name, period=period.key, note=note)
    context.wake_outbox()
    return RunResult(job.name, period.key, ran=True, note=note)


def tick(
    context: AppContext, jobs: Sequence[Job], *, owner: str, now: datetime | None = None
) -> list[RunResult]:
    """Run the latest begun period of every job that nobody has finished yet."""
    now = now or context.now()
    results = []
    for job in jobs:
        try:
            results.append(run_period(context, job, job.schedule.latest(now), owner=owner, now=now))
        except Exception:  # noqa: S112 - logged in run_period; one job's failure stops no other
            continue
    return results


@dataclass(frozen=True)
class PreviewItem:
    """An effect a run would queue: what `speakup jobs run --dry-run` shows."""

    kind: str
    concern_id: str | None
    payload: dict[str, object]


class _RollBack(Exception):
    pass


def preview(context: AppContext, job: Job, period: Period, now: datetime) -> list[PreviewItem]:
    """Do the period's work in a transaction that is rolled back: no claim, nothing queued,
    nothing recorded; returns the effects it would have queued."""
    found: list[PreviewItem] = []
    try:
        with context.db.transaction() as session:
            job.work(session, context, period, now)
            keys = outbox.queued_keys(session)
            if keys:
                rows = session.execute(
                    select(OutboxItem.kind, OutboxItem.concern_id, OutboxItem.payload)
                    .where(OutboxItem.idempotency_key.in_(keys))
                    .order_by(OutboxItem.id)
                )
                found = [PreviewItem(row.kind, row.concern_id, dict(row.payload)) for row in rows]
            raise _RollBack
    except _RollBack:
        pass
    return found


def run_state(context: AppContext, job: str, period: str) -> JobRun | None:
    """The claim on (job, period), if any: finished, or held by whom until when."""
    with context.db.transaction() as session:
        row = session.scalars(
            select(JobRun).where(JobRun.job == job, JobRun.period == period)
        ).first()
        if row is not None:
            session.expunge(row)
        return row


def forget_finished(session: Session, job: str, *, before: datetime) -> int:
    """Delete `job`'s finished claims from before `before`: for a job run every minute, whose
    past periods never come round again, so their rows would only pile up."""
    result = session.execute(
        delete(JobRun).where(
            JobRun.job == job, JobRun.finished_at.is_not(None), JobRun.finished_at < before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def last_finished(context: AppContext, job: str) -> tuple[str, datetime] | None:
    """The latest finished period of `job` and when it finished, for `speakup jobs list`."""
    with context.db.transaction() as session:
        row = session.execute(
            select(JobRun.period, JobRun.finished_at)
            .where(JobRun.job == job, JobRun.finished_at.is_not(None))
            .order_by(JobRun.finished_at.desc())
            .limit(1)
        ).first()
    if row is None or row[1] is None:
        return None
    return str(row[0]), row[1]


def new_owner() -> str:
    return f"jobs-{uuid.uuid4().hex[:12]}"
