"""A replica that dies mid-job: it claims today's guardians' digest, queues it in the job's
transaction, tells the test it got there (a file), and waits to be killed with the
transaction still open.

Run as `python -m tests.support.job_replica DATABASE_URL STARTED_FILE LEASE_SECONDS`.
"""

from __future__ import annotations

import sys
import threading
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bot.domain.clock import utcnow
from bot.domain.schedules import Period
from bot.flows.context import AppContext
from bot.jobs import runner
from bot.jobs.guardian_digest import guardian_digest_job
from bot.jobs.runner import Job
from bot.runtime.context import build_context
from tests.support.harness import harness_settings


def main(database_url: str, started: Path, lease_seconds: int) -> None:
    context = build_context(
        harness_settings(
            database_url, "http://127.0.0.1:9/api/", speakup_job_lease_seconds=lease_seconds
        )
    )
    real = guardian_digest_job(context.policy)

    def work_then_hang(session: Session, ctx: AppContext, period: Period, now: datetime) -> str:
        note = real.work(session, ctx, period, now)
        session.flush()
        started.write_text(period.key)
        threading.Event().wait()  # until SIGKILL
        return note

    doomed = Job(real.name, real.schedule, work_then_hang)
    now = utcnow()
    runner.run_period(context, doomed, doomed.schedule.latest(now), owner="doomed", now=now)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))
