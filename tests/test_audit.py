"""The audit log's keyed chain: appends verify, and whoever writes the database without the
keys cannot alter, insert or remove entries unnoticed (or, where the database alone cannot
tell, a published anchor shows it)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from storage import audit
from storage.audit_check import Anchor, ChainBroken, ChainReport, anchor_text, trail, verify
from storage.crypto import KeyRing
from storage.db import Database
from storage.models import AuditEntry, AuditHead
from tests.harness import KEY_A, KEY_B, RING_A
from tests.test_cli import run_speakup

T0 = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
LOG = AuditEntry.__table__
HEAD = AuditHead.__table__


def append_entries(db: Database, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        with db.transaction() as session:
            audit.append(
                session,
                at=T0 + timedelta(minutes=number),
                actor="U0GUARD1" if number % 2 else "reporter",
                action="concern.viewed" if number % 2 else "concern.raised",
                concern_reference=f"SU-{number:06d}",
                detail={"n": number, "identity_mode": "confidential", "note": "détail ✓"},
            )


def check(db: Database, *anchors: Anchor, ring: KeyRing | None = None) -> ChainReport:
    with db.transaction() as session:
        return verify(session, ring or RING_A, anchors)


def anchor_now(db: Database) -> Anchor:
    with db.transaction() as session:
        seq, print_ = anchor_text(session, RING_A)
    return Anchor(seq, print_)


def rows(db: Database) -> list[AuditEntry]:
    with db.transaction() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def raw(db: Database, *statements: object) -> None:
    """Write the database as an attacker would: straight SQL, no app, no keys."""
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(statement)  # type: ignore[call-overload]


# -- the chain as the app writes it -------------------------------------------------------


def test_empty_log_verifies(db: Database) -> None:
    assert check(db) == ChainReport(0, True, None, None)


def test_appended_entries_form_an_intact_keyed_chain_with_a_sealed_head(db: Database) -> None:
    append_entries(db, 6)
    report = check(db)
    assert report.ok and report.entries == 6 and report.legacy_entries == 0
    entries = rows(db)
    assert [row.seq for row in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0].prev_hash == audit.GENESIS
    for earlier, later in itertools.pairwise(entries):
        assert later.prev_hash == earlier.hash
    assert {row.key_id for row in entries} == {RING_A.newest_id}
    assert entries[2].detail == {"n": 2, "identity_mode": "confidential", "note": "détail ✓"}
    # Not a plain hash: recomputing it needs the key.
    assert entries[0].hash != audit.legacy_hash(entries[0])
    with db.transaction() as session:
        head = session.get_one(AuditHead, audit.HEAD_ROW)
        assert (head.seq, head.entry_mac, head.legacy_through) == (6, entries[-1].hash, 0)
        assert head.mac


def test_several_entries_in_one_transaction_chain_in_order(db: Database) -> None:
    append_entries(db, 2)
    with db.transaction() as session:
        for number in range(3):
            audit.append(session, at=T0, actor="system", action=f"batch.{number}")
    assert check(db).ok
    assert [row.action for row in rows(db)][2:] == ["batch.0", "batch.1", "batch.2"]


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
    assert check(db).ok


def test_a_database_without_the_key_ring_refuses_to_append(database_url: str) -> None:
    bare = Database(database_url)
    bare.upgrade()
    try:
        with pytest.raises(audit.AuditKeysMissing), bare.transaction() as session:
            audit.append(session, at=T0, actor="system", action="x")
    finally:
        bare.dispose()


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
    report = check(db)
    assert report.ok and report.entries == 32


# -- edits behind the app's back ----------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "system"),
        ("action", "concern.closed"),
        ("concern_reference", "SU-ZZZZZZ"),
        ("at", T0 - timedelta(days=1)),
        ("detail", {"n": 99}),
    ],
)
def test_any_altered_column_is_reported_at_that_entry(
    db: Database, column: str, value: object
) -> None:
    append_entries(db, 4)
    raw(db, update(LOG).where(LOG.c.seq == 2).values({column: value}))
    report = check(db)
    assert (report.ok, report.first_bad_seq) == (False, 2)
    assert report.problem is not None and "altered" in report.problem


def test_a_deleted_entry_in_the_middle_is_named(db: Database) -> None:
    append_entries(db, 5)
    raw(db, delete(LOG).where(LOG.c.seq.in_([2, 3])))
    report = check(db)
    assert (report.ok, report.first_bad_seq) == (False, 2)
    assert report.problem == "entries 2 to 3 are missing"


def test_a_changed_link_is_reported(db: Database) -> None:
    append_entries(db, 5)
    raw(db, update(LOG).where(LOG.c.seq == 4).values(prev_hash="f" * 64))
    report = check(db)
    assert (report.ok, report.first_bad_seq) == (False, 4)


def test_deleting_the_newest_entries_is_caught_by_the_head(db: Database) -> None:
    append_entries(db, 6)
    raw(db, delete(LOG).where(LOG.c.seq >= 5))
    report = check(db)
    assert (report.ok, report.first_bad_seq) == (False, 5)
    assert report.problem is not None and "entries 5 to 6 are missing" in report.problem


@pytest.mark.parametrize("forge", ["plain hashes", "a guessed key"])
def test_editing_an_entry_and_rehashing_the_rest_is_caught_without_the_key(
    db: Database, forge: str
) -> None:
    """The attacker rewrites entry 3 and recomputes every later link, the only ways they can:
    as plain hashes, or as MACs under a key they made up."""
    append_entries(db, 6)
    guessed = hashlib.sha256(b"a guess").digest()
    previous = rows(db)[1].hash
    statements = []
    for row in rows(db)[2:]:  # detached copies: nothing is written through them
        row.prev_hash = previous
        if row.seq == 3:
            row.action = "concern.deleted"
        if forge == "plain hashes":
            row.key_id = None
            row.hash = audit.legacy_hash(row)
        else:
            row.hash = audit.entry_mac(guessed, row)
        statements.append(
            update(LOG)
            .where(LOG.c.seq == row.seq)
            .values(action=row.action, prev_hash=row.prev_hash, hash=row.hash, key_id=row.key_id)
        )
        previous = row.hash
    statements.append(update(HEAD).values(seq=6, entry_mac=previous))
    raw(db, *statements)
    report = check(db)
    assert (report.ok, report.first_bad_seq) == (False, 3)


def test_deleting_the_head_row_is_reported(db: Database) -> None:
    append_entries(db, 4)
    raw(db, delete(HEAD))
    report = check(db)
    assert not report.ok
    assert report.problem is not None and "head record" in report.problem


def test_deleting_newest_entries_and_the_head_row_is_named_by_an_anchor(db: Database) -> None:
    append_entries(db, 4)
    published = anchor_now(db)  # posted outside the database on day 1
    append_entries(db, 3, start=4)
    raw(db, delete(LOG).where(LOG.c.seq >= 3), delete(HEAD))
    report = check(db, published)
    assert (report.ok, report.first_bad_seq) == (False, 3)
    assert report.problem is not None and "anchor" in report.problem


def test_the_app_records_finding_the_head_missing_and_the_chain_says_so_for_good(
    db: Database,
) -> None:
    append_entries(db, 5)
    raw(db, delete(LOG).where(LOG.c.seq == 5), delete(HEAD))
    append_entries(db, 2, start=10)  # the app carries on: nothing it is asked to record is lost
    entries = rows(db)
    assert entries[4].action == audit.HEAD_REPLACED
    assert entries[4].detail == {"problem": "missing", "head_seq": None, "found": 4}
    report = check(db)
    assert (report.ok, report.first_bad_seq) == (False, 5)


def test_a_forged_head_is_reported_and_replaced_not_trusted(db: Database) -> None:
    append_entries(db, 5)
    raw(
        db,
        delete(LOG).where(LOG.c.seq == 5),
        update(HEAD).values(seq=4, entry_mac=rows(db)[3].hash),
    )
    report = check(db)
    assert not report.ok and report.problem is not None and "head record" in report.problem
    append_entries(db, 1, start=10)
    assert rows(db)[4].action == audit.HEAD_REPLACED
    assert check(db).first_bad_seq == 5


def test_an_entry_added_behind_the_heads_back_is_reported(db: Database) -> None:
    append_entries(db, 3)
    last = rows(db)[-1]
    fake = {
        "seq": 4,
        "at": T0,
        "actor": "system",
        "action": "concern.closed",
        "concern_reference": None,
        "detail": {},
        "prev_hash": last.hash,
        "key_id": None,
    }
    entry = audit.Link(**fake)  # type: ignore[arg-type]
    raw(db, LOG.insert().values(**fake, hash=audit.legacy_hash(entry)))
    report = check(db)
    assert (report.ok, report.first_bad_seq) == (False, 4)


# -- anchors --------------------------------------------------------------------------------


def test_anchor_is_short_keyed_and_checks_out(db: Database) -> None:
    append_entries(db, 3)
    published = anchor_now(db)
    assert published.seq == 3 and len(published.fingerprint) == 16
    append_entries(db, 2, start=3)
    assert check(db, published) == ChainReport(5, True, None, None, 0, 1)
    wrong = Anchor(3, "0" * 16)
    assert check(db, wrong).first_bad_seq == 3
    # Only the key holder can make one: another ring cannot even check the head.
    with pytest.raises(ChainBroken), db.transaction() as session:
        anchor_text(session, KeyRing.from_config(KEY_B))


def test_anchor_parses_what_a_person_copies() -> None:
    assert Anchor.parse(" 42 : 3F9A-1C22 90BE-77D1 ") == Anchor(42, "3f9a1c2290be77d1")
    for bad in ("42", "x:3f9a1c2290be77d1", "42:3f9a", "42:zzzz1c2290be77d1"):
        with pytest.raises(ValueError, match="SEQ:FINGERPRINT"):
            Anchor.parse(bad)


def test_no_anchor_is_made_for_a_head_that_does_not_hold(db: Database) -> None:
    append_entries(db, 3)
    raw(db, delete(LOG).where(LOG.c.seq == 3))
    with pytest.raises(ChainBroken), db.transaction() as session:
        anchor_text(session, RING_A)


def test_what_the_database_alone_cannot_prove_a_rollback_to_an_earlier_genuine_state(
    db: Database,
) -> None:
    """Honest limit: put back an older genuine head and drop what came after, and only an
    anchor published after those entries notices."""
    append_entries(db, 3)
    with db.transaction() as session:
        old_head = session.get_one(AuditHead, audit.HEAD_ROW)
        saved = {c.name: getattr(old_head, c.name) for c in HEAD.columns}
    append_entries(db, 2, start=3)
    published = anchor_now(db)
    raw(db, delete(LOG).where(LOG.c.seq > 3), update(HEAD).values(**saved))
    assert check(db).ok  # every remaining row is genuine
    assert check(db, published).first_bad_seq == 4


# -- keys: rotation keeps old entries verifiable ------------------------------------------


def test_entries_under_a_retired_key_verify_once_its_audit_key_is_archived(
    database_url: str,
) -> None:
    old_ring, both = KeyRing.from_config(KEY_A), KeyRing.from_config(f"{KEY_B},{KEY_A}")
    new_ring = KeyRing.from_config(KEY_B)
    db = Database(database_url, ring=old_ring)
    db.upgrade()
    try:
        append_entries(db, 3)
        db.ring = both
        append_entries(db, 2, start=3)
        assert check(db, ring=both).ok
        report = check(db, ring=new_ring)  # old key gone, nothing archived
        assert (report.ok, report.first_bad_seq) == (False, 1)
        assert report.problem is not None and "cannot be checked" in report.problem
        with db.transaction() as session:
            assert audit.archive_audit_keys(session, both) == 1
        assert check(db, ring=new_ring).ok
        assert {row.key_id for row in rows(db)} == set(both.key_ids)
    finally:
        db.dispose()


# -- the trail of one concern -------------------------------------------------------------


def test_trail_is_who_when_and_what_never_free_text(db: Database) -> None:
    with db.transaction() as session:
        audit.append(
            session,
            at=T0,
            actor="reporter",
            action="concern.raised",
            concern_reference="SU-AAAAAA",
            detail={"kind": "speak_up", "identity_mode": "anonymous_follow_up", "x": "typed"},
        )
        audit.append(
            session, at=T0, actor="U0GUARD1", action="concern.viewed", concern_reference="SU-AAAAAA"
        )
        audit.append(
            session, at=T0, actor="U0GUARD1", action="concern.viewed", concern_reference="SU-OTHER1"
        )
    with db.transaction() as session:
        lines = trail(session, "SU-AAAAAA")
    assert [(line.actor, line.action) for line in lines] == [
        ("reporter", "concern.raised"),
        ("U0GUARD1", "concern.viewed"),
    ]
    assert lines[0].detail == {"kind": "speak_up", "identity_mode": "anonymous_follow_up"}


# -- `speakup audit verify` and `speakup audit show` ----------------------------------------


def test_cli_verify_exit_codes_and_anchors(db: Database, tmp_path: Path) -> None:
    env = {"DATABASE_URL": db.url, "SPEAKUP_ENCRYPTION_KEYS": KEY_A}
    append_entries(db, 3)
    published = anchor_now(db)
    intact = run_speakup(
        "audit",
        "verify",
        "--anchor",
        f"{published.seq}:{published.fingerprint}",
        env=env,
        cwd=tmp_path,
    )
    assert intact.returncode == 0, intact.stderr
    assert "intact: 3 entries" in intact.stdout and "1 anchors match" in intact.stdout
    assert "rollback" in intact.stdout  # says what it cannot prove

    raw(db, update(LOG).where(LOG.c.seq == 2).values(detail={}))
    broken = run_speakup("audit", "verify", env=env, cwd=tmp_path)
    assert broken.returncode == 1
    lines = broken.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("audit chain BROKEN at entry 2:")
    assert "Traceback" not in broken.stderr

    bad_anchor = run_speakup("audit", "verify", "--anchor", "nonsense", env=env, cwd=tmp_path)
    assert bad_anchor.returncode == 2 and "SEQ:FINGERPRINT" in bad_anchor.stderr


def test_cli_verify_needs_the_keys(db: Database, tmp_path: Path) -> None:
    result = run_speakup("audit", "verify", env={"DATABASE_URL": db.url}, cwd=tmp_path)
    assert result.returncode == 2
    assert "SPEAKUP_ENCRYPTION_KEYS" in result.stderr and "Traceback" not in result.stderr


def test_cli_show_prints_the_concerns_trail(db: Database, tmp_path: Path) -> None:
    env = {"DATABASE_URL": db.url, "SPEAKUP_ENCRYPTION_KEYS": KEY_A}
    append_entries(db, 2)
    shown = run_speakup("audit", "show", "su-000001", env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout.splitlines()
    assert out[0].startswith("audit chain intact")
    assert (
        "U0GUARD1" in out[1]
        and "concern.viewed" in out[1]
        and "identity_mode=confidential" in out[1]
    )
    assert "détail" not in shown.stdout
    missing = run_speakup("audit", "show", "SU-NOPE00", env=env, cwd=tmp_path)
    assert missing.returncode == 2 and "no audit entries" in missing.stderr


def test_cli_verify_on_a_database_never_migrated_is_one_line(tmp_path: Path) -> None:
    result = run_speakup(
        "audit",
        "verify",
        env={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
            "SPEAKUP_ENCRYPTION_KEYS": KEY_A,
        },
        cwd=tmp_path,
    )
    assert result.returncode not in (0, 1)  # neither "intact" nor "broken": it could not look
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "speakup db upgrade" in lines[0]


def test_fingerprint_is_a_keyed_mac_not_a_plain_hash() -> None:
    key = RING_A.audit_key(RING_A.newest_id) or b""
    plain = hashlib.sha256(f"3:{'a' * 64}".encode()).hexdigest()[:16]
    assert audit.fingerprint(key, 3, "a" * 64) != plain
    assert (
        audit.fingerprint(key, 3, "a" * 64)
        == hmac.new(key, f"speakup anchor:3:{'a' * 64}".encode(), hashlib.sha256).hexdigest()[:16]
    )
