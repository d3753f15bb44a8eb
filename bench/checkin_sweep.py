"""The detriment check-in job's run when many concerns closed six weeks ago: how long the
one transaction that asks them all takes, on SQLite and PostgreSQL.

    .venv/bin/python bench/checkin_sweep.py [--database-url URL] [--due 100] [--others 3000]
                                            [--runs 5]

Each run starts from an empty database (a temporary SQLite file, or the PostgreSQL database
given, emptied first), stores `--due` confidential concerns closed six weeks before the run
and `--others` closed at other times (recently, or long before check-ins could be sent),
through the real raise flow (sealed as the app seals them), then times one run of the job
through the runner and checks that exactly the due ones were asked.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import MetaData, func, select, text, update

from bot.domain.taxonomy import ConcernKind, IdentityMode
from bot.flows.aftercare import CHECKIN_EVENT
from bot.flows.raising import RaiseRequest, prepare_raise, store_raise
from bot.jobs.detriment_checkin import detriment_checkin_job
from bot.jobs.runner import run_period
from bot.runtime.context import Service, build_context
from bot.runtime.logs import configure_logging
from bot.runtime.settings import load_settings
from storage.crypto import generate_key
from storage.models import Concern, ConcernEvent

NOW = datetime(2027, 1, 18, 10, 5, tzinfo=UTC)  # a Monday, 10:05 UK time
DUE_CLOSE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def empty(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def context_for(url: str) -> Service:
    settings = load_settings(
        slack_bot_token="xoxb-bench",
        slack_signing_secret="bench",
        database_url=url,
        speakup_encryption_keys=generate_key(),
        speakup_guardian_channel="C0GUARDIANS",
        speakup_safeguarding_channel="C0SAFEGUARD",
        speakup_guardians=["U0GUARD1"],
        speakup_safeguarding_team=["U0SAFE1"],
    )
    context = build_context(settings)
    context.db.upgrade()
    return context


def store(context: Service, count: int, closed: list[datetime]) -> list[str]:
    ids = []
    for n in range(count):
        prepared = prepare_raise(
            context.vault,
            context.raise_policy,
            RaiseRequest(
                kind=ConcernKind.SPEAK_UP,
                identity_mode=IdentityMode.CONFIDENTIAL,
                description=f"Bench concern {n}",
                elements=("worker_safety",),
            ),
            reporter_user_id=f"U0BENCH{n:05d}",
            submission_id=str(uuid.uuid4()),
            now=closed[n] - timedelta(days=20),
        )
        with context.db.transaction() as session:
            store_raise(session, prepared)
            session.execute(
                update(Concern)
                .where(Concern.id == prepared.concern_id)
                .values(status="closed", closed_at=closed[n], outcome="action_taken")
                .execution_options(synchronize_session=False)
            )
        ids.append(prepared.concern_id)
    return ids


def one_run(url: str, due: int, others: int, rng: random.Random) -> tuple[float, int]:
    context = context_for(url)
    try:
        due_times = [DUE_CLOSE + timedelta(minutes=rng.uniform(0, 600)) for _ in range(due)]
        other_times = [
            NOW - timedelta(days=rng.choice([rng.uniform(1, 35), rng.uniform(80, 2000)]))
            for _ in range(others)
        ]
        store(context, due, due_times)
        store(context, others, other_times)
        job = detriment_checkin_job(context.policy)
        assert job is not None
        began = time.perf_counter()
        assert run_period(context, job, job.schedule.latest(NOW), owner="bench", now=NOW).ran
        elapsed = time.perf_counter() - began
        with context.db.transaction() as session:
            asked = int(
                session.scalar(select(func.count()).where(ConcernEvent.kind == CHECKIN_EVENT)) or 0
            )
        return elapsed, asked
    finally:
        context.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--others", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    configure_logging("WARNING")
    rng = random.Random(7)
    times = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
            if args.database_url:
                empty(url)
            elapsed, asked = one_run(url, args.due, args.others, rng)
        assert asked == args.due, f"asked {asked}, expected {args.due}"
        times.append(elapsed)
        print(f"run {run + 1}: {elapsed * 1000:.0f} ms, {asked} asked of "
              f"{args.due + args.others} closed")  # fmt: skip
    print(
        f"check-in run: median {statistics.median(times) * 1000:.0f} ms, "
        f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms over {len(times)} runs; "
        f"{statistics.median(times) / args.due * 1000:.2f} ms per reporter asked"
    )


if __name__ == "__main__":
    main()
