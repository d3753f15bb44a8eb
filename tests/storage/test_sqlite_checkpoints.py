"""SQLite's write-ahead log: synced at every commit, and copied into the database file in the
background, not inside a commit that Slack is waiting on."""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.runtime.server import start_checkpoints
from bot.slack.answering import Answering
from storage.db import Database
from tests.support.harness import running_app

PAGE = 4096


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'checkpoints.db'}")
    with database.transaction() as session:
        session.execute(text("CREATE TABLE filler (b BLOB)"))
    try:
        yield database
    finally:
        database.dispose()


def write_pages(db: Database, pages: int) -> None:
    """About `pages` pages of new data, one small transaction at a time, as raises come."""
    for _ in range(pages // 10):
        with db.transaction() as session:
            session.execute(text("INSERT INTO filler VALUES (randomblob(:n))"), {"n": 10 * PAGE})


def copied_into_the_database_file(tmp_path: Path, within: float = 10) -> bool:
    """Whether write_pages(db, 300)'s pages reach the database file itself in time."""
    database_file = tmp_path / "checkpoints.db"
    deadline = time.monotonic() + within
    while database_file.stat().st_size < 250 * PAGE:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def wal_frames_not_in_database(db: Database) -> int:
    """How much of the log a checkpoint would still have to copy (this one copies it)."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
        _busy, log_frames, _copied = cursor.fetchone()
        return int(log_frames)
    finally:
        connection.close()


def test_every_commit_is_synced_so_an_acknowledged_concern_survives_a_power_cut(
    db: Database,
) -> None:
    with db.transaction() as session:
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_commits_do_not_checkpoint_at_sqlites_usual_thousand_pages(db: Database) -> None:
    write_pages(db, 1500)
    # With SQLite's default the log would have been copied and restarted at 1000 pages.
    assert wal_frames_not_in_database(db) > 1000


def test_a_checkpoint_copies_the_log_into_the_database_file(db: Database, tmp_path: Path) -> None:
    write_pages(db, 300)
    database_file = tmp_path / "checkpoints.db"
    before = database_file.stat().st_size
    db.checkpoint()
    assert database_file.stat().st_size >= before + 250 * PAGE


def test_the_background_checkpoints_keep_up_while_the_app_writes(
    db: Database, tmp_path: Path
) -> None:
    checkpoints = db.checkpoints(every=0.05)
    try:
        write_pages(db, 300)
        assert copied_into_the_database_file(tmp_path)
    finally:
        checkpoints.stop()


def test_a_checkpoint_waits_for_a_lull_between_answers(db: Database, tmp_path: Path) -> None:
    lull = threading.Event()
    asked = threading.Event()

    def wait_for_lull() -> None:
        asked.set()
        lull.wait(10)

    checkpoints = db.checkpoints(every=0.01, lull=wait_for_lull)
    try:
        write_pages(db, 300)
        assert asked.wait(5)
        assert not copied_into_the_database_file(tmp_path, within=0.2)  # still only in the log
        lull.set()
        assert copied_into_the_database_file(tmp_path)
    finally:
        checkpoints.stop()


def test_the_servers_checkpoints_step_aside_while_slack_waits_but_not_for_ever(
    db: Database, tmp_path: Path
) -> None:
    answering = Answering()
    with answering.request():  # an answer being worked out throughout
        write_pages(db, 300)
        checkpoints = start_checkpoints(db, answering, every=0.01, patience=0.5)
        try:
            assert not copied_into_the_database_file(tmp_path, within=0.2)
            assert copied_into_the_database_file(tmp_path)
        finally:
            checkpoints.stop()


def test_a_running_server_keeps_what_start_up_built_out_of_the_collectors_way(
    database_url: str,
) -> None:
    with running_app(database_url):
        assert gc.get_freeze_count() > 10_000  # modules, the app, the engine...
    assert gc.get_freeze_count() == 0  # a stopped server's objects can be collected again


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_postgresql_needs_no_checkpoints_from_us() -> None:
    postgres = Database(os.environ["TEST_DATABASE_URL"])
    try:
        postgres.checkpoint()
        checkpoints = postgres.checkpoints(every=0.01)
        assert not checkpoints.running
        checkpoints.stop()
    finally:
        postgres.dispose()
