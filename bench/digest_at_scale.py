"""The leaders' digest over 100,000 and 1,000,000 concerns, and the SLA sweep over 100,000
open ones, on PostgreSQL: time and peak memory.

    .venv/bin/python bench/digest_at_scale.py [--database-url URL] [--runs 5]

Without --database-url it creates (and empties) its own database `speakup_digest_bench` on
the local PostgreSQL (postgres@127.0.0.1); with it, concerns already there are reused (each
size is measured over the rows present, topped up to that size). Rows are synthetic and
bulk-loaded with COPY: plain columns as the app writes them, random bytes in the encrypted
ones (nothing is decrypted).
Concerns are spread over five years; 10% are open (--open-share), with their next deadlines
spread over the coming month and 1% already due, as a sweep finds them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.reporting_week import last_full_week, reported_week
from bot.flows.leaders_digest import weekly_leaders_digest
from bot.jobs.sla_sweep import flag_overdue
from bot.runtime.context import build_context
from bot.runtime.logs import configure_logging
from bot.runtime.settings import load_settings
from storage.crypto import generate_key
from storage.db import Database

DEFAULT_NAME = "speakup_digest_bench"
ELEMENTS = ["patient_safety", "bullying_harassment", "attitudes_behaviours", "worker_safety",
            "other"]  # fmt: skip
GROUPS = ["paramedic_clinician", "call_handler", "patient_transport", "clinical_hub",
          "support_corporate", "volunteer", "student", "bank_agency", "other", None]  # fmt: skip
SITES = ["Northtown", "Southport", "Eastfield", "Westbury", None]
MODES = ["open", "confidential", "anonymous_follow_up", "anonymous_no_contact"]
COLUMNS = (
    "id", "reference", "kind", "elements", "identity_mode", "status", "stage", "urgent",
    "detriment", "professional_group", "site", "channel", "outcome", "feedback",
    "feedback_given_at", "taxonomy_version", "created_at", "updated_at", "ack_due_at",
    "acknowledged_at", "closed_at", "next_due_at", "last_reporter_update_at", "referral_made_at",
    "referral_acknowledged_at", "version", "key_id", "wrapped_key", "report_enc",
    "submission_key",
)  # fmt: skip


def own_database(name: str) -> str:
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def rows(count: int, now: datetime, rng: random.Random, start: int, open_share: float):  # type: ignore[no-untyped-def]
    span = timedelta(days=5 * 365).total_seconds()
    for n in range(start, start + count):
        # In the order they were raised, as a live table fills.
        created = now - timedelta(seconds=span * (1 - (n - start + rng.random()) / count))
        kind = "safeguarding" if rng.random() < 0.1 else "speak_up"
        is_open = rng.random() < open_share
        acknowledged = created + timedelta(hours=rng.uniform(1, 72))
        closed = None if is_open else min(now, acknowledged + timedelta(days=rng.uniform(1, 120)))
        answered = closed is not None and rng.random() < 0.4
        next_due = None
        if is_open:
            # 1% due already; the rest over the coming month.
            offset = -rng.uniform(0, 3600) if rng.random() < 0.01 else rng.uniform(60, 30 * 86400)
            next_due = now + timedelta(seconds=offset)
        referred = created + timedelta(hours=3) if kind == "safeguarding" else None
        yield (
            str(uuid.UUID(int=rng.getrandbits(128))),
            f"SU-{n:09d}"[:16],
            kind,
            json.dumps(rng.sample(ELEMENTS, rng.randint(1, 2))) if kind == "speak_up" else "[]",
            rng.choice(MODES),
            "in_progress" if is_open else "closed",
            None,
            False,
            rng.choice(["yes", "no", None]),
            rng.choice(GROUPS),
            rng.choice(SITES),
            "C0GUARDIANS",
            None if is_open else "action_taken",
            rng.choice(["yes", "no", "maybe", "dont_know"]) if answered else None,
            closed + timedelta(days=1) if answered and closed else None,
            1,
            created,
            created,
            created + timedelta(days=2),
            acknowledged,
            closed,
            next_due,
            acknowledged,
            referred,
            referred + timedelta(hours=20) if referred else None,
            1,
            "k1",
            os.urandom(40),
            os.urandom(64),
            f"{rng.getrandbits(128):032x}{n:016x}",  # unique, as a keyed hash is
        )


def load(url: str, count: int, start: int, now: datetime, open_share: float) -> float:
    began = time.perf_counter()
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    statement = f"COPY concerns ({', '.join(COLUMNS)}) FROM STDIN"
    with (
        psycopg.connect(plain) as connection,
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        for row in rows(count, now, random.Random(start), start, open_share):
            copy.write_row(row)
    # As autovacuum leaves a live table: statistics fresh, the visibility map set (so the
    # open-work index answers alone).
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE concerns")
    return time.perf_counter() - began


def measure(action):  # type: ignore[no-untyped-def]
    gc.collect()
    tracemalloc.start()
    began = time.perf_counter()
    action()
    elapsed = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument(
        "--open-share",
        type=float,
        default=0.10,
        help="share of concerns left open (with --sizes 100000 --open-share 1.0 --sweep-only: "
        "the sweep over 100,000 open concerns without loading a million)",
    )
    parser.add_argument(
        "--sweep-only",
        action="store_true",
        help="time only the sweep (all-open rows are no live table for the digest to count)",
    )
    args = parser.parse_args()
    configure_logging("ERROR")  # the sweep logs each flag it raises: not what is measured
    url = args.database_url or own_database(DEFAULT_NAME)
    Database(url).upgrade()
    settings = load_settings(
        database_url=url,
        speakup_encryption_keys=generate_key(),
        speakup_guardian_channel="C0GUARDIANS",
        speakup_leaders_channel="C0LEADERS",
        slack_bot_token="xoxb-bench",
    )
    context = build_context(settings)
    now = datetime.now(UTC)
    week = reported_week(last_full_week(now, "Europe/London"), "Europe/London")
    with context.db.transaction() as session:
        # A database given with --database-url may hold rows from an earlier run: reuse them.
        loaded = session.execute(text("SELECT count(*) FROM concerns")).scalar_one()
    for size in (int(s) for s in args.sizes.split(",")):
        if loaded < size:
            seconds = load(url, size - loaded, loaded, now, args.open_share)
            print(f"loaded {size - loaded:,} concerns in {seconds:.1f} s (total {size:,})")
            loaded = size
        else:
            print(f"reusing the {loaded:,} concerns already loaded")
        with context.db.transaction() as session:
            open_count = session.execute(
                text("SELECT count(*) FROM concerns WHERE status <> 'closed'")
            ).scalar_one()
        digest_runs, backlog_runs, steady_runs = [], [], []
        for _ in range(args.runs):
            if not args.sweep_only:
                with context.db.transaction() as session:
                    digest_runs.append(
                        measure(lambda s=session: weekly_leaders_digest(s, context.policy, week))
                    )
            session = Session(context.db.engine)
            try:
                backlog_runs.append(measure(lambda s=session: flag_overdue(s, context, now)))
            finally:
                session.rollback()  # not kept: each run finds the same backlog
                session.close()
        if digest_runs:
            report("digest", size, digest_runs)
        report(f"sweep, first ({open_count:,} open)", size, backlog_runs)
        # Once the backlog is flagged, a sweep finds only what fell due since the last one.
        with context.db.transaction() as session:
            flag_overdue(session, context, now)
        for run in range(args.runs):
            later = now + timedelta(minutes=10 * (run + 1))
            with context.db.transaction() as session:
                steady_runs.append(measure(lambda s=session, t=later: flag_overdue(s, context, t)))
        report(f"sweep, next ({open_count:,} open)", size, steady_runs)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident set of the whole process: {rss:.0f} MB")


def report(what: str, size: int, runs: list[tuple[float, int]]) -> None:
    times = [t for t, _ in runs]
    peaks = [p / 1024 / 1024 for _, p in runs]
    # The first run also compiles and caches the statements: its memory is shown apart.
    later = f", later runs up to {max(peaks[1:]):.1f} MB" if len(peaks) > 1 else ""
    print(
        f"{what:>28} over {size:>9,} concerns: median {statistics.median(times):.3f} s "
        f"(min {min(times):.3f}, max {max(times):.3f}, {len(times)} runs); "
        f"peak Python memory: first run {peaks[0]:.1f} MB{later}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
