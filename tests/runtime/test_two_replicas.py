"""Two `speakup serve --http` replicas on one PostgreSQL database share the load, and killing
one mid-load loses nothing and sends nothing twice.

Slack (the emulator) and the load balancer are played by this test: raises, Acknowledge and
Add note are spread over both replicas over signed HTTP; when one is killed, whatever was on
its way to it goes to the survivor, as a load balancer's health check would send it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.demo.simulator.web_api import SlackWebApiEmulator
from bot.demo.simulator.workspace import HttpResult, SlackWorkspace
from bot.slack.posted_lookup import METADATA_EVENT
from storage.db import Database
from storage.models import Concern, JobRun, OutboxItem
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    SAFEGUARDING_CHANNEL,
    SIGNING_SECRET,
    reset_database,
    seed_directory,
)
from tests.support.speakup_process import free_port, serve_env, speakup_command, wait_ready

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="replicas share a PostgreSQL database"
)

JOURNEYS = 16
CLIENTS = 4
KILL_AFTER = 6  # raises answered before the first replica is killed
GUARDIANS = [f"U0GUARDL{n}" for n in range(CLIENTS)]


class Replicas:
    """Which replicas are up, and a request routed to a live one (the load balancer)."""

    def __init__(self, workspaces: list[SlackWorkspace]) -> None:
        self.workspaces = workspaces
        self.dead: set[int] = set()
        self.lock = threading.Lock()

    def send(self, turn: int, request: Callable[[SlackWorkspace], HttpResult]) -> HttpResult:
        for attempt in range(len(self.workspaces) + 1):
            with self.lock:
                alive = [n for n in range(len(self.workspaces)) if n not in self.dead]
            chosen = alive[(turn + attempt) % len(alive)]
            try:
                return request(self.workspaces[chosen])
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                # The replica died under this request: try the next one, as a load balancer
                # does for a connection it could not complete.
                with self.lock:
                    self.dead.add(chosen)
        raise AssertionError("no replica answered")

    def kill(self, number: int, process: Any) -> None:
        with self.lock:
            self.dead.add(number)
        process.send_signal(signal.SIGKILL)
        process.wait(10)


def view_opened_after(
    emulator: SlackWebApiEmulator, user: str, before: int, timeout: float = 10.0
) -> dict[str, Any]:
    def opened() -> bool:
        return any(v.user_id == user for v in emulator.opened_views()[before:])

    assert emulator.wait_for(opened, timeout), f"no view opened for {user}"
    return next(v.view for v in emulator.opened_views()[before:] if v.user_id == user)


def _is_card(message: dict[str, Any]) -> bool:
    # The guardians' daily digest shares the channel (and lists references): a card is the
    # message its outbox item posted under a card key.
    metadata = message.get("metadata") or {}
    key = str((metadata.get("event_payload") or {}).get("key") or "")
    return metadata.get("event_type") == METADATA_EVENT and key.startswith("card:")


def card_for(emulator: SlackWebApiEmulator, reference: str, timeout: float = 20.0) -> Any:
    def find() -> dict[str, Any] | None:
        for message in emulator.messages_in(GUARDIAN_CHANNEL):
            if reference in str(message.get("text") or "") and _is_card(message):
                return message
        return None

    assert emulator.wait_for(lambda: find() is not None, timeout), f"no card for {reference}"
    return find()


def journey(replicas: Replicas, emulator: SlackWebApiEmulator, number: int) -> str:
    """A reporter raises a concern; a guardian acknowledges it and adds a note."""
    reporter = f"U0LOAD{number:02d}"
    guardian = GUARDIANS[number % CLIENTS]
    before = len(emulator.opened_views())
    opened = replicas.send(number, lambda w: w.slash_command(reporter, "/speakup", ""))
    assert opened.status == 200, opened.body
    view = view_opened_after(emulator, reporter, before)
    values = {
        "elements": ["worker_safety"],
        "description": f"Load journey {number}: the rota leaves one person alone",
        "identity": "confidential",
    }
    answer = replicas.send(number + 1, lambda w: w.submit_view(reporter, view, values))
    assert answer.status == 200, answer.body
    found = re.search(r"SU-[0-9A-Z]{6}", json.dumps(answer.json()))
    assert found is not None, answer.body
    reference = found.group(0)

    card = card_for(emulator, reference)
    acked = replicas.send(number, lambda w: w.click_labelled(guardian, card, "Acknowledge"))
    assert acked.status == 200, acked.body

    card = card_for(emulator, reference)
    before = len(emulator.opened_views())
    clicked = replicas.send(number + 1, lambda w: w.click_labelled(guardian, card, "Add note"))
    assert clicked.status == 200, clicked.body
    form = view_opened_after(emulator, guardian, before)
    noted = replicas.send(
        number, lambda w: w.submit_view(guardian, form, {"note": f"Called back, {number}"})
    )
    assert noted.status == 200, noted.body
    return reference


def our_messages(emulator: SlackWebApiEmulator, channels: list[str]) -> Counter[str]:
    """How many messages in these channels (thread replies included) carry each outbox key."""
    keys: Counter[str] = Counter()
    for channel in channels:
        for message in emulator.messages_in(channel, include_replies=True):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == METADATA_EVENT:
                keys[str(metadata["event_payload"]["key"])] += 1
    return keys


def finished_jobs(logs: list[Path]) -> Counter[tuple[str, str]]:
    """(job, period) pairs each replica's log says it ran, over all replicas."""
    runs: Counter[tuple[str, str]] = Counter()
    for path in logs:
        for line in path.read_text().splitlines():
            if '"job.finished"' in line:
                entry = json.loads(line)
                runs[(entry["job"], entry["period"])] += 1
    return runs


def expire_leases(url: str, owners: str) -> None:
    db = Database(url)
    try:
        with db.transaction() as session:
            session.execute(
                update(OutboxItem)
                .where(OutboxItem.lease_owner.like(owners))
                .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
            )
    finally:
        db.dispose()


@contextmanager
def serving_together(
    env: dict[str, str], ports: list[int], logs: list[Path]
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`speakup serve --http` on each port, started together (as an orchestrator does), each
    ready to take requests; always killed."""
    processes: list[subprocess.Popen[bytes]] = []
    serve = [*speakup_command(), "serve", "--http", "--host", "127.0.0.1", "--port"]
    try:
        for port, log in zip(ports, logs, strict=True):
            with log.open("ab") as output:
                processes.append(
                    subprocess.Popen(
                        [*serve, str(port)],
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                    )
                )
        for process, port, log in zip(processes, ports, logs, strict=True):
            wait_ready(process, port, log)
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait(10)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    url = os.environ["TEST_DATABASE_URL"]
    reset_database(url)
    db = Database(url)
    try:
        db.upgrade()
    finally:
        db.dispose()
    yield url


def test_two_replicas_share_the_load_and_survive_a_kill(postgres_url: str, tmp_path: Path) -> None:
    logs = [tmp_path / "replica-a.log", tmp_path / "replica-b.log"]
    with SlackWebApiEmulator() as emulator, ExitStack() as stack:
        seed_directory(emulator)
        for number in range(JOURNEYS):
            emulator.add_user(f"U0LOAD{number:02d}", f"Load reporter {number}")
        for guardian in GUARDIANS:
            emulator.add_user(guardian, f"Load guardian {guardian[-1]}")
        env = serve_env(postgres_url, emulator.base_url) | {
            "SPEAKUP_GUARDIANS": ",".join(GUARDIANS)
        }
        ports = [free_port(), free_port()]
        processes = stack.enter_context(serving_together(env, ports, logs))
        replicas = Replicas(
            [
                SlackWorkspace(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, emulator)
                for port in ports
            ]
        )

        answered = threading.Semaphore(0)
        killed = threading.Event()

        def one(number: int) -> str:
            reference = journey(replicas, emulator, number)
            answered.release()
            return reference

        def killer() -> None:
            for _ in range(KILL_AFTER):
                answered.acquire(timeout=30)
            # Mid-load: other journeys are on their way to it, its worker mid-delivery.
            replicas.kill(0, processes[0])
            # Its worker's leases run out after LEASE (90 s); let them run out now rather
            # than wait, so the survivor delivers what the dead one held (journeys still
            # under way are waiting for those cards).
            expire_leases(postgres_url, f"worker-{processes[0].pid}-%")
            killed.set()

        with ThreadPoolExecutor(CLIENTS + 1) as pool:
            kill = pool.submit(killer)
            references = list(pool.map(one, range(JOURNEYS)))
            kill.result()
        assert killed.is_set()
        assert len(set(references)) == JOURNEYS

        db = Database(postgres_url)
        try:

            def drained() -> bool:
                with db.transaction() as session:
                    return set(session.scalars(select(OutboxItem.status))) == {"delivered"}

            assert emulator.wait_for(drained, 30), "the survivor did not drain the outbox"
            time.sleep(1.0)  # would a second copy of anything turn up?

            channels = [GUARDIAN_CHANNEL, SAFEGUARDING_CHANNEL] + [
                emulator.im_channel_id(f"U0LOAD{number:02d}") for number in range(JOURNEYS)
            ]
            posted = our_messages(emulator, channels)
            with db.transaction() as session:
                items = session.execute(
                    select(OutboxItem.idempotency_key, OutboxItem.kind, OutboxItem.result_ts)
                ).all()
                concerns = session.execute(select(Concern.reference, Concern.card_ts)).all()
                job_runs = session.execute(
                    select(JobRun.job, JobRun.period, JobRun.finished_at)
                ).all()
        finally:
            db.dispose()

        # Every concern has its card, once, and is recorded where it is.
        assert sorted(r for r, _ in concerns) == sorted(references)
        cards = {str(m["ts"]): m for m in emulator.messages_in(GUARDIAN_CHANNEL) if _is_card(m)}
        assert len(cards) == JOURNEYS
        assert {ts for _, ts in concerns} == set(cards)
        # Every message posted carries the key of a queued item, and no key was posted twice.
        assert posted, "nothing was posted"
        doubled = {key: count for key, count in posted.items() if count != 1}
        assert not doubled, doubled
        queued_keys = {key for key, _, _ in items}
        assert set(posted) <= queued_keys
        # Each reporter got their DMs (confirmation and acknowledgement), each exactly once;
        # every posting item (all but card updates) is in Slack.
        for number in range(JOURNEYS):
            dms = emulator.messages_in(emulator.im_channel_id(f"U0LOAD{number:02d}"))
            assert len(dms) >= 1, number
        # Card updates edit the posted card, and files (the quarterly return, when one is due
        # at start-up) are uploads, not messages.
        not_messages = {
            key for key, kind, _ in items if key not in posted and kind in ("card", "channel_file")
        }
        assert queued_keys - set(posted) == not_messages
        # Both replicas took part, in serving and in delivering.
        served = [
            sum(1 for line in log.read_text().splitlines() if "outbox.delivered" in line)
            for log in logs
        ]
        assert all(served), served

        # Every job period the replicas reached ran once, and finished.
        assert job_runs, "no job ran"
        assert all(finished is not None for _, _, finished in job_runs), job_runs
        runs = finished_jobs(logs)
        assert set(runs) == {(job, period) for job, period, _ in job_runs}
        assert set(runs.values()) == {1}, runs
