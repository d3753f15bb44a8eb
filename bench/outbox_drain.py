"""Outbox drain against Slack's posting limit: 1,000 cards into one channel.

Slack takes about one message a second in a channel and answers more with HTTP 429 and
Retry-After. This queues a backlog of cards for the guardians' channel (as after an outage),
starts the delivery worker against the Slack Web API emulator with that limit on, and keeps
other traffic coming meanwhile (a safeguarding concern every few seconds: a card in another
channel and a DM to its reporter). It prints how long the backlog took against the floor the
limit sets, how many posts Slack refused, whether any card arrived twice, and how long the
other channel's cards and the DMs waited.

    .venv/bin/python bench/outbox_drain.py                      # 1,000 cards at 1/s: ~17 min
    .venv/bin/python bench/outbox_drain.py --posts 200 --rate 20 --exact-retry-after --runs 3
    .venv/bin/python bench/outbox_drain.py --database-url postgresql+psycopg://...

The exit status is non-zero if the drain took more than 1.1 times the floor or a card was
posted twice.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text

from bot.demo.simulator.web_api import SlackWebApiEmulator
from bot.domain.taxonomy import ConcernKind, IdentityMode
from bot.flows.raising import RaiseRequest, prepare_raise, store_raise
from bot.runtime.clients import build_web_client
from bot.runtime.context import Service, build_context
from bot.runtime.logs import configure_logging
from bot.runtime.settings import load_settings
from bot.slack.delivery import OutboxWorker
from bot.slack.posted_lookup import METADATA_EVENT
from storage.crypto import generate_key
from storage.db import Database
from storage.models import OutboxItem

GUARDIAN_CHANNEL = "C0BENCHGUARD"
SAFEGUARDING_CHANNEL = "C0BENCHSAFE"
BATCH = 100  # concerns stored per transaction while queueing the backlog


def fresh_database(url: str | None, folder: str) -> str:
    if url is None:
        return f"sqlite:///{folder}/drain.db"
    db = Database(url)
    try:
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        db.dispose()
    return url


def raise_many(context: Service, count: int, kind: ConcernKind, reporter: str | None) -> None:
    identity = IdentityMode.CONFIDENTIAL if reporter else IdentityMode.ANONYMOUS_NO_CONTACT
    safeguarding = kind is ConcernKind.SAFEGUARDING
    extra: dict[str, Any] = {"at_risk": "child", "immediate_danger": False} if safeguarding else {}
    elements = () if safeguarding else ("worker_safety",)
    for start in range(0, count, BATCH):
        prepared = [
            prepare_raise(
                context.vault,
                context.raise_policy,
                RaiseRequest(
                    kind=kind,
                    identity_mode=identity,
                    description="Bench concern: the rota leaves one paramedic alone.",
                    elements=elements,
                    **extra,
                ),
                reporter_user_id=reporter,
                submission_id=str(uuid.uuid4()),
                now=datetime.now(UTC),
            )
            for _ in range(min(BATCH, count - start))
        ]
        with context.db.transaction() as session:
            for one in prepared:
                store_raise(session, one)


def run(args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder, SlackWebApiEmulator() as emulator:
        url = fresh_database(args.database_url, folder)
        settings = load_settings(
            slack_bot_token="xoxb-bench",
            slack_signing_secret="bench-signing-secret-0123456789",
            slack_api_url=emulator.base_url,
            database_url=url,
            speakup_encryption_keys=generate_key(),
            speakup_guardian_channel=GUARDIAN_CHANNEL,
            speakup_safeguarding_channel=SAFEGUARDING_CHANNEL,
            speakup_guardians=["U0BENCHGUARD"],
        )
        context = build_context(settings)
        context.db.upgrade()
        expected = int(args.posts / args.rate / args.other_every) + 2
        reporters = [f"U0BENCH{n:04d}" for n in range(expected)]
        for reporter in reporters:
            emulator.add_user(reporter, f"Reporter {reporter[-4:]}")
        raise_many(context, args.posts, ConcernKind.SPEAK_UP, None)
        with context.db.transaction() as session:
            backlog = set(session.scalars(select(OutboxItem.lane)))
        emulator.enable_post_rate_limit(
            per_second=args.rate, burst=args.burst, whole_seconds=not args.exact_retry_after
        )
        worker = OutboxWorker(context, build_web_client(settings))
        done = threading.Event()

        def other_traffic() -> None:
            for reporter in reporters:
                if done.wait(args.other_every):
                    return
                raise_many(context, 1, ConcernKind.SAFEGUARDING, reporter)
                context.wake_outbox()

        started = time.monotonic()
        worker.start()
        traffic = threading.Thread(target=other_traffic, daemon=True)
        traffic.start()

        def cards() -> list[dict[str, Any]]:
            return [
                m
                for m in emulator.messages_in(GUARDIAN_CHANNEL)
                if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT
            ]

        while len(cards()) < args.posts:
            time.sleep(0.05)
        drained = time.monotonic() - started
        done.set()
        traffic.join()
        context.wake_outbox()
        time.sleep(2.0)  # let the last DMs land, and any late duplicate show itself
        worker.stop()

        posted = cards()
        keys = Counter(str(m["metadata"]["event_payload"]["key"]) for m in posted)
        calls = emulator.calls_to("chat.postMessage")
        with context.db.transaction() as session:
            rows = session.execute(
                select(
                    OutboxItem.kind, OutboxItem.created_at, OutboxItem.delivered_at, OutboxItem.lane
                )
            ).all()
        context.db.dispose()
    others = [r for r in rows if r.kind == "card" and r.delivered_at and r.lane not in backlog]
    dms = [r for r in rows if r.kind == "reporter_dm" and r.delivered_at]
    other_waits = [(r.delivered_at - r.created_at).total_seconds() for r in others]
    dm_waits = [(r.delivered_at - r.created_at).total_seconds() for r in dms]
    floor = max(0.0, (args.posts - args.burst) / args.rate)
    return {
        "posts": args.posts,
        "drain_s": round(drained, 2),
        "floor_s": round(floor, 2),
        "ratio": round(drained / floor, 3) if floor else 0.0,
        "answered_429": sum(1 for c in calls if c.status == 429),
        "duplicates": sum(n - 1 for n in keys.values()),
        "history_calls": len(emulator.calls_to("conversations.history")),
        "other_cards": len(other_waits),
        "other_card_wait_max_s": round(max(other_waits, default=0.0), 2),
        "dms": len(dm_waits),
        "dm_wait_p50_s": round(statistics.median(dm_waits), 2) if dm_waits else 0.0,
        "dm_wait_max_s": round(max(dm_waits, default=0.0), 2),
        "undelivered_others": sum(1 for r in rows if r.delivered_at is None),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1.0, help="posts a second per channel")
    parser.add_argument("--burst", type=int, default=3)
    parser.add_argument(
        "--exact-retry-after",
        action="store_true",
        help="Retry-After to the millisecond (for a scaled-down rate) instead of Slack's seconds",
    )
    parser.add_argument(
        "--other-every",
        type=float,
        default=5.0,
        help="seconds between other raises (scaled by the rate)",
    )
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--database-url")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.other_every = args.other_every / args.rate
    configure_logging(os.environ.get("BENCH_LOG", "WARNING"), json=False)
    results = []
    for number in range(args.runs):
        figures = run(args)
        results.append(figures)
        if args.json:
            print(json.dumps(figures))
        else:
            print(
                f"run {number + 1}: {figures['posts']} cards in {figures['drain_s']}s, floor "
                f"{figures['floor_s']}s ({figures['ratio']}x); 429s {figures['answered_429']}, "
                f"duplicates {figures['duplicates']}, history calls {figures['history_calls']}; "
                f"other channel {figures['other_cards']} cards, worst wait "
                f"{figures['other_card_wait_max_s']}s; DMs {figures['dms']}, wait p50 "
                f"{figures['dm_wait_p50_s']}s max {figures['dm_wait_max_s']}s",
                flush=True,
            )
    ratios = [r["ratio"] for r in results]
    if len(results) > 1:
        middle = statistics.median(ratios)
        print(
            f"ratio over {len(results)} runs: min {min(ratios)} median {middle} max {max(ratios)}"
        )
    bad = any(r["ratio"] > 1.1 or r["duplicates"] for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
