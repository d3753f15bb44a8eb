"""Scheduled jobs run exactly once a period with several replicas on one database, after a
restart, and after a replica is killed in the middle of a job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import select

from bot.demo.simulator.web_api import SlackWebApiEmulator
from bot.jobs import runner
from bot.jobs.guardian_digest import guardian_digest_job
from bot.jobs.scheduler import all_jobs
from bot.runtime.context import Service, build_context
from bot.slack.delivery import OutboxWorker
from storage.models import JobRun, OutboxItem
from tests.support.harness import GUARDIAN_CHANNEL, SAFEGUARDING_CHANNEL, seed_directory
from tests.support.harness import harness_settings as settings_for
from tests.support.speakup_process import free_port, serve_env, serving

REPO = Path(__file__).resolve().parents[2]
# Monday 9 March 2026, 07:00 in London (GMT): before both digests' times.
MONDAY_7AM = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)


@contextmanager
def replicas(
    database_url: str, api_url: str, count: int, **overrides: object
) -> Iterator[list[Service]]:
    """`count` services on one database, each with its own engine and connection pool."""
    with ExitStack() as stack:
        services = []
        for _ in range(count):
            service = build_context(settings_for(database_url, api_url, **overrides))
            stack.callback(service.db.dispose)
            services.append(service)
        services[0].db.upgrade()
        yield services


def digest_keys(service: Service) -> list[str]:
    with service.db.transaction() as session:
        return list(
            session.scalars(select(OutboxItem.idempotency_key).where(OutboxItem.kind == "digest"))
        )


def deliver_everything(service: Service, api_url: str, timeout: float = 15) -> None:
    """Deliver until nothing is pending (an item queued at a job's `now` is due from then)."""
    worker = OutboxWorker(service, WebClient(token="xoxb-test", base_url=api_url))
    deadline = time.monotonic() + timeout
    while True:
        worker.run_once()
        with service.db.transaction() as session:
            pending = session.scalars(select(OutboxItem.id).where(OutboxItem.status == "pending"))
            if not pending.first():
                return
        assert time.monotonic() < deadline, "the outbox did not drain"
        time.sleep(0.1)


def digests_posted(emulator: SlackWebApiEmulator, channel: str) -> int:
    """How many digests reached `channel`."""
    return len([m for m in emulator.messages_in(channel) if "digest" in str(m.get("text"))])


def test_two_replicas_ticking_together_post_each_digest_once(database_url: str) -> None:
    with SlackWebApiEmulator() as emulator, replicas(database_url, emulator.base_url, 2) as pair:
        seed_directory(emulator)
        jobs = [all_jobs(service.policy) for service in pair]
        # Both replicas tick at the same moments, every quarter of an hour from 07:00 to 10:00
        # (London) on four days: past both digests' times each morning.
        moments = [
            MONDAY_7AM + timedelta(days=day, minutes=15 * step)
            for day in range(4)
            for step in range(13)
        ]
        for moment in moments:
            gate = threading.Barrier(2)

            def tick(index: int, now: datetime = moment, gate: threading.Barrier = gate) -> None:
                gate.wait()
                runner.tick(pair[index], jobs[index], owner=f"replica-{index}", now=now)

            threads = [threading.Thread(target=tick, args=(i,)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)

        keys = digest_keys(pair[0])
        assert sorted(keys) == sorted(
            [
                # Friday's was the latest begun when the first tick came, then each working day.
                *(f"digest:guardians:2026-03-{day:02d}" for day in (6, 9, 10, 11, 12)),
                # Safeguarding's runs every day: Sunday's was the latest begun at 07:00.
                *(f"digest:safeguarding:2026-03-{day:02d}" for day in (8, 9, 10, 11, 12)),
            ]
        )
        with pair[1].db.transaction() as session:
            runs = session.execute(select(JobRun.job, JobRun.period, JobRun.finished_at)).all()
        assert all(finished is not None for _, _, finished in runs)
        assert not [key for key, n in Counter((j, p) for j, p, _ in runs).items() if n > 1]
        # The alarm check's past minutes are forgotten after a day; the digests' days are kept.
        alarm_runs = [finished for job, _, finished in runs if job == "delivery_alarms"]
        assert alarm_runs and min(alarm_runs) >= moments[-1] - timedelta(days=1)

        deliver_everything(pair[1], emulator.base_url)
        for channel in (GUARDIAN_CHANNEL, SAFEGUARDING_CHANNEL):
            assert digests_posted(emulator, channel) == 5, channel


def test_a_replica_down_over_the_digest_time_posts_it_once_when_it_starts(
    database_url: str,
) -> None:
    with SlackWebApiEmulator() as emulator:
        seed_directory(emulator)
        with replicas(database_url, emulator.base_url, 1) as (before,):
            job = guardian_digest_job(before.policy)
            assert runner.tick(before, [job], owner="before", now=MONDAY_7AM)[0].ran  # Friday's
        # Down from 07:00 to 11:00: nothing ran at 08:30. On start, Monday's is caught up once.
        with replicas(database_url, emulator.base_url, 2) as (started, other):
            eleven = MONDAY_7AM + timedelta(hours=4)
            (caught_up,) = runner.tick(started, [job], owner="started", now=eleven)
            assert caught_up.ran and caught_up.period == "2026-03-09"
            assert not runner.tick(other, [job], owner="other", now=eleven)[0].ran
            later = eleven + timedelta(minutes=30)
            assert not runner.tick(started, [job], owner="started", now=later)[0].ran
            assert sorted(digest_keys(started)) == [
                "digest:guardians:2026-03-06",
                "digest:guardians:2026-03-09",
            ]
            deliver_everything(started, emulator.base_url)
        assert digests_posted(emulator, GUARDIAN_CHANNEL) == 2


def test_a_replica_killed_mid_job_has_its_period_finished_by_another_after_the_lease(
    database_url: str, tmp_path: Path
) -> None:
    lease = 2
    started = tmp_path / "started"
    with (
        SlackWebApiEmulator() as emulator,
        replicas(database_url, emulator.base_url, 1, speakup_job_lease_seconds=lease) as (
            survivor,
        ),
    ):
        seed_directory(emulator)
        doomed = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.job_replica",
                database_url,
                str(started),
                str(lease),
            ],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            deadline = time.monotonic() + 30
            while not started.exists():
                assert doomed.poll() is None, "the replica exited before it got to its job"
                assert time.monotonic() < deadline, "the replica never started its job"
                time.sleep(0.05)
            # Killed with the job's transaction open: its digest was never committed.
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(10)
        finally:
            if doomed.poll() is None:
                doomed.kill()
        period = started.read_text()
        with survivor.db.transaction() as session:
            claim = session.scalars(select(JobRun)).one()
        assert (claim.period, claim.claimed_by, claim.finished_at) == (period, "doomed", None)
        assert claim.lease_until is not None
        assert digest_keys(survivor) == []

        job = guardian_digest_job(survivor.policy)
        schedule_period = job.schedule.latest(claim.claimed_at)
        assert schedule_period.key == period
        # Within the lease the claim is the dead replica's: nobody else runs the period.
        within = claim.lease_until - timedelta(seconds=1)
        assert not runner.run_period(
            survivor, job, schedule_period, owner="survivor", now=within
        ).ran
        # Once it has run out, the survivor takes the period over and finishes it.
        after = claim.lease_until + timedelta(seconds=1)
        assert runner.run_period(survivor, job, schedule_period, owner="survivor", now=after).ran
        assert not runner.run_period(survivor, job, schedule_period, owner="again", now=after).ran
        with survivor.db.transaction() as session:
            claim = session.scalars(select(JobRun)).one()
        assert (claim.claimed_by, claim.attempts) == ("survivor", 2)
        assert claim.finished_at == after
        assert digest_keys(survivor) == [f"digest:guardians:{period}"]
        deliver_everything(survivor, emulator.base_url)
        assert digests_posted(emulator, GUARDIAN_CHANNEL) == 1


def test_two_serve_processes_starting_together_post_the_missed_digests_once(
    database_url: str, tmp_path: Path
) -> None:
    with SlackWebApiEmulator() as emulator:
        seed_directory(emulator)
        env = serve_env(database_url, emulator.base_url) | {"SPEAKUP_LOG_LEVEL": "DEBUG"}
        # Migrated first, so neither process's start waits on the other's migration.
        with replicas(database_url, emulator.base_url, 1):
            pass
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        with serving(env, free_port(), logs[0]), serving(env, free_port(), logs[1]):

            def decided(job: str) -> bool:
                # Each process has claimed the job's period or found it claimed.
                return all(
                    any(
                        job in line and ("job.finished" in line or "job.claimed_elsewhere" in line)
                        for line in log.read_text().splitlines()
                    )
                    for log in logs
                )

            for job in ("guardian_digest", "safeguarding_digest"):
                assert emulator.wait_for(lambda job=job: decided(job), 30), job
            for channel in (GUARDIAN_CHANNEL, SAFEGUARDING_CHANNEL):
                assert emulator.wait_for(lambda c=channel: digests_posted(emulator, c) >= 1, 20)
            # The two daily digests only: on a Monday the leaders' weekly one is due as well.
            finished = [
                line
                for log in logs
                for line in log.read_text().splitlines()
                if "job.finished" in line
                and any(f'"{job}"' in line for job in ("guardian_digest", "safeguarding_digest"))
            ]
            assert len(finished) == 2, finished
        for channel in (GUARDIAN_CHANNEL, SAFEGUARDING_CHANNEL):
            assert digests_posted(emulator, channel) == 1, channel
