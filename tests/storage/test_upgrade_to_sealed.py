"""A database the previous release wrote (plain hash chain, key ids of the old form, concerns
whose access facts were not sealed) upgrades without the keys and stays honest: old rows keep
opening, the legacy part of the log is verified as before and the keyed part strictly, and
`speakup keys rotate` seals the old concerns."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import MetaData, select, update

from bot.domain.clock import utcnow
from bot.flows.reporter_status import my_concerns
from bot.flows.timeline import read_timeline
from storage import audit
from storage.audit_check import verify
from storage.crypto import legacy_key_id, new_data_key
from storage.db import Database
from storage.models import AuditEntry, AuditHead, Concern
from storage.rotation import key_status, rotate
from storage.vault import IntegrityCheckFailed, Vault
from tests.support.harness import KEY_A, RING_A
from tests.support.migrations import migrate

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
CONCERN_ID = str(uuid.uuid4())
REPORTER = "U0REPORTER"


def previous_release(url: str) -> None:
    """Migrate to 0002 and write what that release wrote, the way it wrote it."""
    bare = Database(url)
    try:
        migrate(bare, "upgrade", "0002")
        vault = Vault(RING_A)
        data_key = new_data_key()
        wrapped = RING_A.wrap(data_key, context=f"concerns:{CONCERN_ID}")

        def sealed(field: str, value: dict[str, str]) -> bytes:
            return vault.seal_json(
                data_key, value, table="concerns", row_id=CONCERN_ID, field=field
            )

        def event(kind: str, visible: bool, body: str | None) -> dict[str, Any]:
            uid = str(uuid.uuid4())
            return {
                "uid": uid,
                "concern_id": CONCERN_ID,
                "at": T0.replace(tzinfo=None),
                "kind": kind,
                "actor_role": "guardian",
                "actor_id": "U0GUARD1",
                "summary": kind,
                "visible_to_reporter": visible,
                "body_enc": vault.seal_text(
                    data_key, body, table="concern_events", row_id=uid, field="body"
                )
                if body
                else None,
            }

        entries, prev = [], audit.GENESIS
        for seq in (1, 2, 3):
            link = audit.Link(seq, T0, "system", f"old.{seq}", "SU-LEGACY", {}, prev)
            prev = audit.legacy_hash(link)
            entries.append({**link.__dict__, "at": T0.replace(tzinfo=None), "hash": prev})
            del entries[-1]["key_id"]
        with bare.engine.begin() as connection:
            tables = MetaData()
            tables.reflect(connection)
            connection.execute(
                tables.tables["concerns"].insert(),
                {
                    "id": CONCERN_ID,
                    "reference": "SU-LEGACY",
                    "kind": "speak_up",
                    "elements": ["worker_safety"],
                    "identity_mode": "anonymous_follow_up",
                    "status": "received",
                    "urgent": False,
                    "channel": "C0GUARDIANS",
                    "taxonomy_version": 1,
                    "created_at": T0.replace(tzinfo=None),
                    "updated_at": T0.replace(tzinfo=None),
                    "ack_due_at": (T0 + timedelta(days=2)).replace(tzinfo=None),
                    "version": 1,
                    "key_id": legacy_key_id(base64.b64decode(KEY_A)),
                    "wrapped_key": wrapped.blob,
                    "report_enc": sealed("report", {"description": "Legacy words"}),
                    "reporter_enc": sealed("reporter", {"user_id": REPORTER}),
                    "reporter_index": RING_A.blind_index(REPORTER),
                    "submission_key": "s" * 64,
                },
            )
            connection.execute(
                tables.tables["concern_events"].insert(),
                [event("raised", True, None), event("note", False, "A legacy note")],
            )
            connection.execute(tables.tables["audit_log"].insert(), entries)
    finally:
        bare.dispose()


def legacy_concern(db: Database) -> Concern:
    with db.transaction() as session:
        concern = session.get_one(Concern, CONCERN_ID)
        session.expunge(concern)
        return concern


def tamper(db: Database, statement: Any) -> None:
    with db.engine.begin() as connection:
        connection.execute(statement)


def test_upgrade_keeps_old_rows_and_is_honest_about_them(database_url: str) -> None:
    previous_release(database_url)
    db = Database(database_url, ring=RING_A)
    vault = Vault(RING_A)
    concerns = Concern.__table__
    try:
        db.upgrade()
        # The log: the legacy part verifies as before, the head not sealed yet.
        report = verify_now(db)
        assert report.ok and (report.entries, report.legacy_entries) == (3, 3)

        # Old rows open, old key id and all; "my concerns" finds the reporter's.
        with db.transaction() as session:
            concern = session.get_one(Concern, CONCERN_ID)
            assert concern.seal_version == 1 and len(concern.key_id) == 8
            timeline = read_timeline(session, vault, concern, reporter_view=False)
            assert [e.body for e in timeline] == [None, "A legacy note"]
            assert [c.reference for c in my_concerns(session, vault, REPORTER)] == ["SU-LEGACY"]

        # Honest limit: until rotated, a flip of an old row's facts is not detected.
        tamper(db, update(concerns).values(identity_mode="open"))
        vault.concern_key(legacy_concern(db))
        tamper(db, update(concerns).values(identity_mode="anonymous_follow_up"))

        # The first keyed entry seals the head, recording where the legacy part ends.
        with db.transaction() as session:
            audit.append(session, at=T0, actor="system", action="new.1")
        report = verify_now(db)
        assert report.ok and (report.entries, report.legacy_entries) == (4, 3)
        with db.transaction() as session:
            assert session.get_one(AuditHead, audit.HEAD_ROW).legacy_through == 3

        # Rotation seals the old concern (onto the same key, under its derived id).
        assert rotate(db, RING_A, now=utcnow).rotated == 1
        rotated = legacy_concern(db)
        assert rotated.seal_version == 2 and rotated.key_id == RING_A.newest_id
        with db.transaction() as session:
            assert key_status(session, RING_A).sealed_old_way == 0
            concern = session.get_one(Concern, CONCERN_ID)
            assert [
                e.body for e in read_timeline(session, vault, concern, reporter_view=False)
            ] == [
                None,
                "A legacy note",
            ]
        tamper(db, update(concerns).values(identity_mode="open"))
        with pytest.raises(IntegrityCheckFailed):
            vault.concern_key(legacy_concern(db))
        tamper(db, update(concerns).values(identity_mode="anonymous_follow_up"))

        # The older release could not open sealed rows: downgrading is refused, not lossy.
        with pytest.raises(RuntimeError, match="sealed"):
            migrate(db, "downgrade", "0002")

        # A keyed entry rewritten as a legacy one is caught: the head says where legacy ends.
        newest = AuditEntry.__table__
        with db.transaction() as session:
            entry = session.get_one(AuditEntry, 4)
            session.expunge(entry)
        entry.key_id = None
        tamper(
            db,
            update(newest)
            .where(newest.c.seq == 4)
            .values(key_id=None, hash=audit.legacy_hash(entry)),
        )
        assert verify_now(db).first_bad_seq == 4
    finally:
        db.dispose()


def verify_now(db: Database) -> Any:
    with db.transaction() as session:
        return verify(session, RING_A)


def test_the_legacy_part_stays_checked_after_the_upgrade(database_url: str) -> None:
    previous_release(database_url)
    db = Database(database_url, ring=RING_A)
    try:
        db.upgrade()
        log = AuditEntry.__table__
        tamper(db, update(log).where(log.c.seq == 2).values(action="old.changed"))
        report = verify_now(db)
        assert (report.ok, report.first_bad_seq) == (False, 2)
        with db.transaction() as session:
            assert session.scalars(select(AuditEntry.key_id)).all() == [None, None, None]
    finally:
        db.dispose()
