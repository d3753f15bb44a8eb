"""A real `speakup serve` process killed mid-flight loses nothing and posts nothing twice."""

from __future__ import annotations

import json
import re
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.demo.simulator.web_api import SlackWebApiEmulator
from bot.demo.simulator.workspace import SlackWorkspace
from storage.db import Database
from storage.models import Concern, OutboxItem
from tests.support.harness import REPORTER, SIGNING_SECRET, seed_directory
from tests.support.speakup_process import free_port, our_cards, serve_env, serving


def outbox_state(db: Database) -> list[tuple[object, ...]]:
    with db.transaction() as session:
        rows = session.execute(
            select(
                OutboxItem.kind,
                OutboxItem.status,
                OutboxItem.attempts,
                OutboxItem.lease_until,
                OutboxItem.next_attempt_at,
                OutboxItem.last_error,
            )
        )
        return [tuple(row) for row in rows]


def test_card_queued_before_a_kill_arrives_once_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    logs = tmp_path / "serve.log"
    with SlackWebApiEmulator() as emulator:
        seed_directory(emulator)
        env = serve_env(database_url, emulator.base_url)
        port = free_port()
        workspace = SlackWorkspace(
            f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, emulator
        )
        # Slack is down for posting: the card and the DM can only wait in the outbox.
        emulator.fail_next("chat.postMessage", 100_000, status=503)

        with serving(env, port, logs) as first:
            assert workspace.slash_command(REPORTER, "/speakup", "").status == 200
            assert emulator.wait_for(lambda: emulator.last_view(REPORTER) is not None, 5)
            view = emulator.last_view(REPORTER)
            assert view is not None
            answer = workspace.submit_view(
                REPORTER,
                view,
                {
                    "elements": ["patient_safety"],
                    "description": "Stretchers left in the corridor overnight",
                    "identity": "confidential",
                },
            )
            assert answer.status == 200
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        found = re.search(r"SU-[0-9A-Z]{6}", json.dumps(answer.json()))
        assert found is not None
        reference = found.group(0)

        # Nothing reached the channel, and the committed concern waits in the outbox.
        assert not [c for c in emulator.calls_to("chat.postMessage") if c.ok]
        db = Database(database_url)
        try:
            with db.transaction() as session:
                concern = session.scalars(select(Concern)).one()
                assert concern.reference == reference
                assert concern.card_ts is None
                # The concern's own items: a job due at start-up (the quarterly return's file,
                # say) may have gone out by files upload, which is not failing.
                statuses = set(
                    session.scalars(
                        select(OutboxItem.status).where(OutboxItem.concern_id == concern.id)
                    )
                )
            assert statuses == {"pending"}
            # If the kill landed mid-delivery, the dead process still holds that item's lease
            # (bot.slack.delivery.LEASE) and no worker may touch it before then. Let the
            # lease run out instead of waiting for it.
            with db.transaction() as session:
                session.execute(
                    update(OutboxItem)
                    .where(OutboxItem.lease_until.is_not(None))
                    .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
                )

            # Slack is back (this also forgets the failed calls; no message had been stored).
            emulator.reset()
            with serving(env, port, logs) as second:
                assert emulator.wait_for(lambda: len(our_cards(emulator)) >= 1, 20), (
                    outbox_state(db),
                    logs.read_text()[-3000:],
                )
                dm_channel = emulator.im_channel_id(REPORTER)
                assert emulator.wait_for(lambda: len(emulator.messages_in(dm_channel)) >= 1, 20)
                time.sleep(1.0)  # would a second copy turn up?
                second.send_signal(signal.SIGTERM)
                assert second.wait(15) == 0, logs.read_text()

            cards = our_cards(emulator)
            assert len(cards) == 1
            assert reference in str(cards[0]["text"])
            assert len(emulator.messages_in(dm_channel)) == 1
            with db.transaction() as session:
                stored = session.scalars(select(Concern)).one()
                assert stored.card_ts == cards[0]["ts"]
                assert set(
                    session.scalars(
                        select(OutboxItem.status).where(OutboxItem.concern_id == stored.id)
                    )
                ) == {"delivered"}
        finally:
            db.dispose()
