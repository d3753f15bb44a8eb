"""The SLA sweep finds its work through stored due times, kept right as concerns change."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.domain.clock import utcnow
from bot.jobs.runner import run_period
from bot.jobs.sla_sweep import due_times_recheck, flag_overdue
from storage.models import Concern
from tests.support.harness import GUARDIANS, Harness


def stored(harness: Harness) -> Concern:
    with harness.context.db.transaction() as session:
        concern = session.scalars(select(Concern)).one()
        session.expunge(concern)
    return concern


def sweep(harness: Harness) -> int:
    with harness.context.db.transaction() as session:
        return flag_overdue(session, harness.context, utcnow())


def test_next_due_follows_the_concern(harness: Harness) -> None:
    harness.raise_speak_up(identity="confidential")
    harness.settle()
    concern = stored(harness)
    assert concern.next_due_at is not None and concern.next_due_at <= utcnow()  # look at once
    assert sweep(harness) == 0
    assert stored(harness).next_due_at == concern.ack_due_at  # the next deadline to come
    assert sweep(harness) == 0  # nothing due: the concern is not even read

    harness.click(GUARDIANS[0], concern.reference, "Acknowledge")
    harness.settle()
    acknowledged = stored(harness)
    assert acknowledged.next_due_at is not None and acknowledged.next_due_at <= utcnow()
    sweep(harness)
    assert acknowledged.acknowledged_at is not None
    update_due = acknowledged.acknowledged_at + timedelta(days=14)
    assert stored(harness).next_due_at == update_due


def test_a_change_of_timescales_has_every_open_concern_rechecked(harness: Harness) -> None:
    harness.raise_speak_up()
    harness.settle()
    sweep(harness)
    assert stored(harness).next_due_at is not None
    job = due_times_recheck(harness.context.policy.timescales)
    now = utcnow()
    assert run_period(harness.context, job, job.schedule.latest(now), owner="a", now=now).ran
    assert stored(harness).next_due_at == now
    # The same timescales: the period is done, nothing runs again.
    assert not run_period(harness.context, job, job.schedule.latest(now), owner="b", now=now).ran
