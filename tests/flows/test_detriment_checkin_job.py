"""The check-in job through the runner, on a clock the test moves: due on the first working
day N weeks after closing at 10:00 UK time (across clock changes and bank holidays), asked
once whatever replicas, restarts and crashes do, caught up after downtime, and off at 0."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.domain.moves import Move, MoveDetails
from bot.domain.policy import Aftercare
from bot.flows import aftercare
from bot.flows.aftercare import CHECKIN_EVENT
from bot.flows.lifecycle import transition
from bot.jobs.detriment_checkin import detriment_checkin_job
from bot.jobs.runner import Job, run_period, tick
from bot.jobs.scheduler import all_jobs
from bot.runtime.context import Service
from storage.models import Concern, ConcernEvent, OutboxItem
from tests.support.concerns import raise_concern, service
from tests.support.harness import GUARDIANS


class Crash(Exception):
    pass


@pytest.fixture
def context(database_url: str) -> Iterator[Service]:
    with service(database_url) as running:
        yield running


def closed_at(context: Service, moment: datetime) -> str:
    """A concern raised a week before `moment` and closed at `moment`; returns its id."""
    concern_id, _ = raise_concern(context, moment - timedelta(days=7))
    for move, details in (
        (Move.ACKNOWLEDGE, None),
        (Move.CLOSE, MoveDetails(outcome="action_taken", findings="Rota changed")),
    ):
        with context.db.transaction() as session:
            concern = session.get_one(Concern, concern_id)
            transition(
                session,
                context.vault,
                concern,
                move,
                actor_id=GUARDIANS[0],
                now=moment,
                update_interval_days=14,
                details=details,
            )
    return concern_id


def asked(context: Service, concern_id: str) -> int:
    """Check-in questions recorded for the concern, and each queued to the reporter once."""
    with context.db.transaction() as session:
        uids = session.scalars(
            select(ConcernEvent.uid).where(
                ConcernEvent.concern_id == concern_id, ConcernEvent.kind == CHECKIN_EVENT
            )
        ).all()
        dms = session.scalar(
            select(func.count(OutboxItem.id)).where(
                OutboxItem.idempotency_key.in_([f"dm:{uid}" for uid in uids])
            )
        )
    assert dms == len(uids)
    return len(uids)


def run_at(context: Service, moment: datetime, *owners: str) -> None:
    job = detriment_checkin_job(context.policy)
    assert job is not None
    for owner in owners or ("replica-a",):
        tick(context, [job], owner=owner, now=moment)


@pytest.mark.parametrize(
    ("closed", "not_yet", "due"),
    [
        # Closed in summer time; six weeks on the clocks have gone back: 10:00 GMT.
        (datetime(2026, 10, 20, 15, 0, tzinfo=UTC), datetime(2026, 12, 1, 9, 59, tzinfo=UTC),
         datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        # Closed in winter; six weeks on the clocks have gone forward: 10:00 BST is 09:00 UTC.
        (datetime(2027, 2, 16, 11, 0, tzinfo=UTC), datetime(2027, 3, 30, 8, 59, tzinfo=UTC),
         datetime(2027, 3, 30, 9, 0, tzinfo=UTC)),
        # Six weeks on is Christmas Day; Boxing Day's bank holiday is the Monday: Tuesday 29th.
        (datetime(2026, 11, 13, 16, 0, tzinfo=UTC), datetime(2026, 12, 28, 12, 0, tzinfo=UTC),
         datetime(2026, 12, 29, 10, 0, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_due_at_ten_on_the_first_working_day_across_clock_changes_and_holidays(
    context: Service, closed: datetime, not_yet: datetime, due: datetime
) -> None:
    concern_id = closed_at(context, closed)
    run_at(context, not_yet)
    assert asked(context, concern_id) == 0
    run_at(context, due, "replica-a", "replica-b")
    assert asked(context, concern_id) == 1
    run_at(context, due + timedelta(minutes=15), "restarted")
    run_at(context, due + timedelta(days=3), "restarted-again")
    assert asked(context, concern_id) == 1


def test_a_crash_mid_run_keeps_nothing_and_the_period_is_taken_over_once(
    context: Service,
) -> None:
    concern_id = closed_at(context, datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    due = datetime(2027, 1, 18, 10, 0, tzinfo=UTC)
    job = detriment_checkin_job(context.policy)
    assert job is not None

    def work_then_crash(*args: object) -> str:
        job.work(*args)  # type: ignore[arg-type]
        raise Crash  # the process dies before the period is finished

    crashing = Job(job.name, job.schedule, work_then_crash)
    period = job.schedule.latest(due)
    with pytest.raises(Crash):
        run_period(context, crashing, period, owner="dies", now=due)
    assert asked(context, concern_id) == 0
    # Another replica waits for the lease, then takes the period over and asks once.
    assert not run_period(context, job, period, owner="other", now=due).ran
    later = due + context.policy.job_lease + timedelta(seconds=1)
    assert run_period(context, job, period, owner="other", now=later).ran
    run_at(context, later, "third")
    assert asked(context, concern_id) == 1


def test_downtime_is_caught_up_but_a_weeks_late_question_is_never_sent(
    context: Service,
) -> None:
    recent = closed_at(context, datetime(2026, 12, 7, 12, 0, tzinfo=UTC))  # due 18 January
    long_ago = closed_at(context, datetime(2026, 10, 5, 12, 0, tzinfo=UTC))  # due 16 November
    # Every replica was down from before 18 January until the 21st.
    run_at(context, datetime(2027, 1, 21, 14, 0, tzinfo=UTC))
    assert asked(context, recent) == 1
    assert asked(context, long_ago) == 0


def test_off_at_zero_weeks(context: Service) -> None:
    off = replace(context.policy, aftercare=Aftercare(checkin_weeks=0))
    assert detriment_checkin_job(off) is None
    assert "detriment_checkin" not in [job.name for job in all_jobs(off)]
    assert "detriment_checkin" in [job.name for job in all_jobs(context.policy)]


def test_a_backlog_is_worked_off_a_run_at_a_time(
    context: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aftercare, "ASK_PER_RUN", 2)
    monkeypatch.setattr(aftercare, "PAGE", 1)  # every page boundary is crossed
    closed = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    backlog = [closed_at(context, closed + timedelta(minutes=n)) for n in range(3)]
    not_yet = closed_at(context, datetime(2026, 12, 14, 12, 0, tzinfo=UTC))
    due = datetime(2027, 1, 18, 10, 0, tzinfo=UTC)
    run_at(context, due)
    assert [asked(context, c) for c in backlog] == [1, 1, 0]
    run_at(context, due + timedelta(minutes=15))
    assert [asked(context, c) for c in backlog] == [1, 1, 1]
    assert asked(context, not_yet) == 0
