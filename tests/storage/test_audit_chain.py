"""The audit log's hash chain: appends verify, and any edit made behind its back is found."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from storage import audit
from storage.db import Database
from storage.models import AuditEntry
from tests.support.speakup_process import run_speakup

T0 = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
LOG = AuditEntry.__table__


def append_entries(db: Database, count: int) -> None:
    for number in range(count):
        with db.transaction() as session:
            audit.append(
                session,
                at=T0 + timedelta(minutes=number),
                actor="guardian:U0GUARD1" if number % 2 else "system",
                action="concern.viewed" if number % 2 else "concern.raised",
                concern_reference=f"SU-{number:06d}",
                detail={"n": number, "mode": "confidential", "note": "détail ✓"},
            )


def verify(db: Database) -> audit.ChainReport:
    with db.transaction() as session:
        return audit.verify(session)


def test_empty_log_verifies(db: Database) -> None:
    assert verify(db) == audit.ChainReport(0, True, None, None)


def test_appended_entries_form_an_intact_chain(db: Database) -> None:
    append_entries(db, 6)
    report = verify(db)
    assert report.ok
    assert report.entries == 6
    with db.transaction() as session:
        rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        assert [row.seq for row in rows] == [1, 2, 3, 4, 5, 6]
        assert rows[0].prev_hash == audit.GENESIS
        for earlier, later in itertools.pairwise(rows):
            assert later.prev_hash == earlier.hash
        assert rows[2].detail == {"n": 2, "mode": "confidential", "note": "détail ✓"}


def test_several_entries_in_one_transaction_chain_in_order(db: Database) -> None:
    append_entries(db, 2)
    with db.transaction() as session:
        for number in range(3):
            audit.append(session, at=T0, actor="system", action=f"batch.{number}")
    report = verify(db)
    assert report.ok, report
    with db.transaction() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert actions[2:] == ["batch.0", "batch.1", "batch.2"]


def test_times_in_any_zone_are_stored_in_utc_and_still_verify(db: Database) -> None:
    london_summer = timezone(timedelta(hours=1))
    with db.transaction() as session:
        entry = audit.append(
            session,
            at=datetime(2026, 7, 1, 12, 0, tzinfo=london_summer),
            actor="system",
            action="x",
        )
        assert entry.at == datetime(2026, 7, 1, 11, 0, tzinfo=UTC)
    assert verify(db).ok


def test_altered_detail_is_reported_at_that_entry(db: Database) -> None:
    append_entries(db, 5)
    with db.engine.begin() as connection:
        connection.execute(update(LOG).where(LOG.c.seq == 3).values(detail={"n": 99}))
    report = verify(db)
    assert not report.ok
    assert report.first_bad_seq == 3
    assert report.problem is not None
    assert "altered" in report.problem


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "system"),
        ("action", "concern.closed"),
        ("concern_reference", "SU-ZZZZZZ"),
        ("at", T0 - timedelta(days=1)),
    ],
)
def test_any_altered_column_is_reported(db: Database, column: str, value: object) -> None:
    append_entries(db, 4)
    with db.engine.begin() as connection:
        connection.execute(update(LOG).where(LOG.c.seq == 2).values({column: value}))
    report = verify(db)
    assert (report.ok, report.first_bad_seq) == (False, 2)


def test_deleted_entry_is_reported_where_the_gap_is(db: Database) -> None:
    append_entries(db, 5)
    with db.engine.begin() as connection:
        connection.execute(delete(LOG).where(LOG.c.seq == 2))
    report = verify(db)
    assert not report.ok
    assert report.first_bad_seq == 3
    assert report.problem == "entry 2 is missing"


def test_changed_prev_hash_is_a_broken_link(db: Database) -> None:
    append_entries(db, 5)
    with db.engine.begin() as connection:
        connection.execute(update(LOG).where(LOG.c.seq == 4).values(prev_hash="f" * 64))
    report = verify(db)
    assert (report.ok, report.first_bad_seq) == (False, 4)
    assert report.problem is not None
    assert "link" in report.problem


def test_rewriting_an_entry_and_its_own_hash_breaks_the_next_link(db: Database) -> None:
    append_entries(db, 5)
    with db.transaction() as session:
        row = session.get_one(AuditEntry, 2)
        session.expunge(row)
        row.action = "concern.deleted"  # a detached copy: nothing is written through it
        forged = audit._entry_hash(row)
    with db.engine.begin() as connection:
        connection.execute(
            update(LOG).where(LOG.c.seq == 2).values(action="concern.deleted", hash=forged)
        )
    report = verify(db)
    assert (report.ok, report.first_bad_seq) == (False, 3)


def test_first_of_several_problems_is_the_one_reported(db: Database) -> None:
    append_entries(db, 6)
    with db.engine.begin() as connection:
        connection.execute(update(LOG).where(LOG.c.seq == 5).values(actor="someone"))
        connection.execute(update(LOG).where(LOG.c.seq == 2).values(actor="someone"))
    assert verify(db).first_bad_seq == 2


def test_concurrent_appends_keep_one_unbroken_chain(db: Database) -> None:
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for number in range(8):
                with db.transaction() as session:
                    audit.append(
                        session, at=T0, actor=name, action="concern.viewed", detail={"i": number}
                    )
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    report = verify(db)
    assert report.ok
    assert report.entries == 32


# -- `speakup audit verify` ----------------------------------------------------------------


def test_cli_verify_exit_codes(db: Database, tmp_path: Path) -> None:
    env = {"DATABASE_URL": db.url}
    append_entries(db, 3)
    intact = run_speakup("audit", "verify", env=env, cwd=tmp_path)
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stdout
    assert "3 entries" in intact.stdout

    with db.engine.begin() as connection:
        connection.execute(update(LOG).where(LOG.c.seq == 2).values(detail={}))
    broken = run_speakup("audit", "verify", env=env, cwd=tmp_path)
    assert broken.returncode == 1
    assert "BROKEN at entry 2" in broken.stdout
    assert "Traceback" not in broken.stderr


def test_cli_verify_on_a_database_never_migrated_is_one_line(tmp_path: Path) -> None:
    # Today this is an OperationalError traceback ("no such table: audit_log").
    result = run_speakup(
        "audit", "verify", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}, cwd=tmp_path
    )
    assert result.returncode not in (0, 1)  # neither "intact" nor "broken": it could not look
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "speakup db upgrade" in lines[0]
