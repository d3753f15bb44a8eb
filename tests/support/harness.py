"""A running speakup app over HTTP against the Slack emulator, and what tests do with it."""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, text

from bot.demo.simulator.web_api import SlackWebApiEmulator
from bot.demo.simulator.workspace import HttpResult, SlackWorkspace
from bot.runtime.context import Service, build_context
from bot.runtime.server import RunningServer, start_http
from bot.runtime.settings import Settings, load_settings
from storage.crypto import KeyRing
from storage.db import Database

SIGNING_SECRET = "test-signing-secret-0123456789"
# Fixed, random-looking keys (the ring refuses hand-made ones such as 32 times "A").
KEY_A = base64.b64encode(hashlib.sha256(b"speakup test key A").digest()).decode()
KEY_B = base64.b64encode(hashlib.sha256(b"speakup test key B").digest()).decode()
RING_A = KeyRing.from_config(KEY_A)
GUARDIAN_CHANNEL = "C0GUARDIANS"
SAFEGUARDING_CHANNEL = "C0SAFEGUARD"
LEADERS_CHANNEL = "C0LEADERS"
GUARDIANS = ["U0GUARD1", "U0GUARD2"]
SAFEGUARDING_GROUP = "S0SAFETEAM"
SAFEGUARDING_MEMBERS = ["U0SAFE1"]
REPORTER = "U0REPORTER"
OTHER_STAFF = "U0OTHER"


def harness_settings(database_url: str, api_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": api_url,
        "database_url": database_url,
        "speakup_encryption_keys": KEY_A,
        "speakup_guardian_channel": GUARDIAN_CHANNEL,
        "speakup_safeguarding_channel": SAFEGUARDING_CHANNEL,
        "speakup_leaders_channel": LEADERS_CHANNEL,
        "speakup_guardians": GUARDIANS,
        "speakup_safeguarding_team": [SAFEGUARDING_GROUP],
        "speakup_outbox_poll_seconds": 0.2,
        "speakup_outbox_backoff_seconds": 0.05,
        "speakup_outbox_backoff_cap": 1.0,
    }
    if not database_url.startswith("sqlite"):
        # A SQLite database keeps its shred keys beside its file, in the test's own directory;
        # a server database would keep them in the working directory.
        values["speakup_shred_key_dir"] = tempfile.mkdtemp(prefix="speakup-shred-keys-")
    values.update(overrides)
    return load_settings(**values)


def reset_database(url: str) -> None:
    """Drop everything so each test starts from an empty schema."""
    db = Database(url)
    try:
        with db.engine.begin() as connection:
            if db.is_postgres:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            else:
                metadata = MetaData()
                metadata.reflect(connection)
                metadata.drop_all(connection)
    finally:
        db.dispose()


def seed_directory(emulator: SlackWebApiEmulator) -> None:
    emulator.add_user(REPORTER, "Riley Reporter", "riley")
    emulator.add_user(OTHER_STAFF, "Olu Other", "olu")
    for number, user in enumerate(GUARDIANS, start=1):
        emulator.add_user(user, f"Guardian {number}")
    emulator.add_user(SAFEGUARDING_MEMBERS[0], "Sam Safeguarding")
    emulator.add_usergroup(SAFEGUARDING_GROUP, SAFEGUARDING_MEMBERS)


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, counting listeners still running so tests can wait for them."""

    def __init__(self) -> None:
        super().__init__(max_workers=10)
        self._running = 0
        self._lock = threading.Lock()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            self._running += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any]) -> None:
        with self._lock:
            self._running -= 1

    @property
    def idle(self) -> bool:
        with self._lock:
            return self._running == 0


@dataclass
class Harness:
    context: Service
    server: RunningServer
    emulator: SlackWebApiEmulator
    workspace: SlackWorkspace
    listeners: TrackingExecutor

    def open_raise_modal(self, user: str = REPORTER) -> dict[str, Any]:
        before = len(self.emulator.opened_views())
        result = self.workspace.slash_command(user, "/speakup", "")
        assert result.status == 200, result.body
        return self.next_view(user, before)

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> HttpResult:
        return self.workspace.submit_view(user, view, values)

    def raise_speak_up(
        self,
        *,
        user: str = REPORTER,
        description: str = "The night shift rota leaves one paramedic alone on the car.",
        identity: str = "confidential",
        elements: list[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> HttpResult:
        view = self.open_raise_modal(user)
        values: dict[str, Any] = {
            "elements": elements or ["worker_safety"],
            "description": description,
            "identity": identity,
        }
        values.update(extra or {})
        return self.submit(user, view, values)

    def cards_in(self, channel: str) -> list[dict[str, Any]]:
        """Concern cards (not digests or alarms), oldest first."""
        return [
            m
            for m in self.emulator.messages_in(channel)
            if (m.get("metadata") or {}).get("event_type") == "speakup_outbox"
            and str(m["metadata"].get("event_payload", {}).get("key", "")).startswith("card:")
        ]

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until the outbox has delivered everything that is due."""
        from sqlalchemy import func, select

        from storage.models import OutboxItem

        def drained() -> bool:
            with self.context.db.transaction() as session:
                return not session.scalar(
                    select(func.count(OutboxItem.id)).where(OutboxItem.status == "pending")
                )

        assert self.emulator.wait_for(lambda: self.listeners.idle, timeout), "listeners still busy"
        self.context.wake_outbox()
        if not self.emulator.wait_for(drained, timeout):
            with self.context.db.transaction() as session:
                stuck = session.execute(
                    select(OutboxItem.kind, OutboxItem.attempts, OutboxItem.last_error).where(
                        OutboxItem.status == "pending"
                    )
                ).all()
            raise AssertionError(f"outbox did not drain: {[tuple(row) for row in stuck]}")

    def card_for(self, reference: str) -> dict[str, Any]:
        for channel in (GUARDIAN_CHANNEL, SAFEGUARDING_CHANNEL):
            for message in self.cards_in(channel):
                if reference in (message.get("text") or "") and message.get("thread_ts") in (
                    None,
                    message["ts"],
                ):
                    return message
        raise AssertionError(f"no card for {reference}")

    def click(self, user: str, reference: str, label: str) -> HttpResult:
        """Press a labelled button on a concern's card as `user`."""
        result = self.workspace.click_labelled(user, self.card_for(reference), label)
        assert result.status == 200, result.body
        return result

    def next_view(self, user: str, before: int, timeout: float = 5.0) -> dict[str, Any]:
        """The first view opened for `user` after `before` views had been sent."""

        def opened() -> bool:
            return any(v.user_id == user for v in self.emulator.opened_views()[before:])

        assert self.emulator.wait_for(opened, timeout), "no view opened"
        return next(v.view for v in self.emulator.opened_views()[before:] if v.user_id == user)

    def ephemerals(self, user: str) -> list[str]:
        return [str(m.get("text") or "") for m in self.emulator.ephemeral_messages(user)]

    def latest_reference(self) -> str:
        from sqlalchemy import select

        from storage.models import Concern

        with self.context.db.transaction() as session:
            return str(
                session.scalars(
                    select(Concern.reference).order_by(Concern.created_at.desc())
                ).first()
            )

    def wait_for_cards(self, channel: str, count: int, timeout: float = 15.0) -> bool:
        self.context.wake_outbox()
        return self.emulator.wait_for(lambda: len(self.cards_in(channel)) >= count, timeout)


def readiness(base_url: str) -> tuple[int, Any]:
    """The service's /readyz answer at `base_url`: its status code and its JSON body."""
    try:
        with urllib.request.urlopen(f"{base_url}/readyz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@contextmanager
def running_app(database_url: str, **overrides: Any) -> Iterator[Harness]:
    with SlackWebApiEmulator() as emulator:
        seed_directory(emulator)
        settings = harness_settings(database_url, emulator.base_url, **overrides)
        context = build_context(settings)
        context.db.upgrade()
        listeners = TrackingExecutor()
        server = start_http(context, listener_executor=listeners)
        workspace = SlackWorkspace(
            f"{server.url}/slack/events", SIGNING_SECRET, emulator, timeout=10.0
        )
        try:
            yield Harness(context, server, emulator, workspace, listeners)
        finally:
            server.stop()
            context.db.dispose()
