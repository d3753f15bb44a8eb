"""`speakup retention report` lists exactly what the next run would destroy, and when, with
the safeguarding note; the daily run purges only delivered outbox rows over 30 days old."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from sqlalchemy import select

from bot.domain.taxonomy import ConcernKind
from bot.flows.retention import place_key, purge_outbox, retention_report, run_retention
from bot.runtime.retention_cli import SAFEGUARDING_UNSET, describe
from storage import outbox
from storage.models import Concern, OutboxItem
from storage.rotation import rotate
from storage.vault import ContentDestroyed
from tests.support.concerns import SECRET, raise_concern, service, set_columns
from tests.support.harness import KEY_A, KEY_B
from tests.support.speakup_process import speakup_command

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def speakup(*args: str, database_url: str, cwd: Path, **env: str) -> CompletedProcess[str]:
    return subprocess.run(
        [*speakup_command(), *args],
        env={
            "PATH": os.environ.get("PATH", ""),
            "DATABASE_URL": database_url,
            "SPEAKUP_ENCRYPTION_KEYS": KEY_A,
            **env,
        },
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_report_lists_exactly_what_would_go(database_url: str, tmp_path: Path) -> None:
    with service(database_url) as context:
        raised = NOW - timedelta(days=3700)
        due_id, due = raise_concern(context, raised)
        held_id, held = raise_concern(context, raised)
        later_id, later = raise_concern(context, raised)
        guard_id, guarded = raise_concern(context, raised, kind=ConcernKind.SAFEGUARDING)
        _, still_open = raise_concern(context, raised)
        old = datetime(2016, 3, 10, 14, 0, tzinfo=UTC)  # due 11 March 2026
        for concern_id in (due_id, held_id, guard_id):
            set_columns(context, concern_id, status="closed", outcome="action_taken", closed_at=old)
        set_columns(context, held_id, legal_hold_at=old, legal_hold_by="U0LEAD")
        set_columns(context, later_id, status="closed", outcome="not_upheld",
                    closed_at=datetime(2020, 1, 5, 12, 0, tzinfo=UTC))  # fmt: skip

        with context.db.transaction() as session:
            report = retention_report(
                session, context.policy.retention, context.vault.shreds, now=NOW
            )
        assert [line.reference for line in report.due_now] == [due]
        by_reference = {line.reference: line for line in report.lines}
        assert set(by_reference) == {due, held, later, guarded}  # the open one is not listed
        assert by_reference[held].held and by_reference[held].due is None
        assert by_reference[guarded].due is None  # no safeguarding period set
        assert by_reference[later].due == datetime(2030, 1, 6, 0, 0, tzinfo=UTC)
        printed = "\n".join(describe(report, context.policy.timezone))
        assert "1 would be destroyed by the next run; 1 due later; 1 held; 1 with no period" in (
            printed
        )
        assert SAFEGUARDING_UNSET in printed and SECRET not in printed
        assert still_open not in printed

        # The same from the command line; a dry run: nothing is destroyed.
        result = speakup(
            "retention", "report", database_url=database_url, cwd=tmp_path,
            SPEAKUP_SHRED_KEY_DIR=str(tmp_path / "keys"),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert f"  {due} " in result.stdout.split("Closed and kept:")[0]
        assert "held (legal hold)" in result.stdout and SAFEGUARDING_UNSET in result.stdout
        with context.db.transaction() as session:
            assert session.get(Concern, due_id).destroyed_at is None  # type: ignore[union-attr]

        # With a safeguarding period set the note goes and the concern has a date.
        with service(database_url, speakup_retention_safeguarding_years=25) as configured:
            with configured.db.transaction() as session:
                report = retention_report(session, configured.policy.retention, None, now=NOW)
            printed = "\n".join(describe(report, configured.policy.timezone))
            assert SAFEGUARDING_UNSET not in printed
            assert {line.reference: line for line in report.lines}[guarded].due is not None


def test_purge_removes_only_delivered_rows_older_than_30_days(database_url: str) -> None:
    with service(database_url) as context:
        with context.db.transaction() as session:
            for key, status, delivered_days_ago in [
                ("old-delivered", outbox.DELIVERED, 31),
                ("recent-delivered", outbox.DELIVERED, 29),
                ("old-pending", outbox.PENDING, None),
                ("old-failed", "failed", None),
            ]:
                outbox.enqueue(session, kind="thread_note", lane="lane", idempotency_key=key,
                               now=NOW - timedelta(days=40))  # fmt: skip
                session.flush()
                item = session.scalars(
                    select(OutboxItem).where(OutboxItem.idempotency_key == key)
                ).one()
                item.status = status
                if delivered_days_ago is not None:
                    item.delivered_at = NOW - timedelta(days=delivered_days_ago)
        with context.db.transaction() as session:
            assert purge_outbox(session, now=NOW) == 1
        with context.db.transaction() as session:
            left = set(session.scalars(select(OutboxItem.idempotency_key)))
            assert left == {"recent-delivered", "old-pending", "old-failed"}
            # The daily run purges too, and again finds nothing more to take.
            done = run_retention(session, context.vault, context.policy.retention, now=NOW)
            assert done.outbox_purged == 0


def test_a_wrong_shred_key_directory_destroys_nothing_and_is_reported(
    database_url: str, tmp_path: Path
) -> None:
    closed = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    with service(database_url) as context:
        concern_id, reference = raise_concern(context, closed - timedelta(days=2))
        set_columns(context, concern_id, status="closed", outcome="action_taken", closed_at=closed)
        with context.db.transaction() as session:
            concern = session.get_one(Concern, concern_id)
            assert place_key(session, context.vault, concern, context.policy.retention, NOW)
            assert concern.shred_month == "2036-03"

        wrong = tmp_path / "not-the-keys"
        with service(database_url, speakup_shred_key_dir=str(wrong)) as misconfigured:
            with misconfigured.db.transaction() as session:
                done = run_retention(
                    session, misconfigured.vault, misconfigured.policy.retention, now=NOW
                )
                report = retention_report(
                    session, misconfigured.policy.retention, misconfigured.vault.shreds, now=NOW
                )
            assert (done.destroyed, done.unreadable) == (0, 1)
            assert report.missing_months == ["2036-03"]
            assert "WARNING: concerns are wrapped under shred keys missing" in "\n".join(
                describe(report, misconfigured.policy.timezone)
            )
            assert not wrong.exists()  # no key was made up for the missing month

        # Pointed back at the right directory, it opens as before.
        with context.db.transaction() as session:
            concern = session.get_one(Concern, concern_id)
            assert concern.destroyed_at is None and concern.report_enc
            context.vault.concern_key(concern)
        assert reference


def test_a_closed_concern_keeps_its_shred_wrap_through_a_key_rotation(
    database_url: str, tmp_path: Path
) -> None:
    closed = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    keys = tmp_path / "keys"
    with service(database_url, speakup_shred_key_dir=str(keys)) as old_ring:
        concern_id, _ = raise_concern(old_ring, closed - timedelta(days=2))
        set_columns(old_ring, concern_id, status="closed", outcome="action_taken", closed_at=closed)
        with old_ring.db.transaction() as session:
            concern = session.get_one(Concern, concern_id)
            place_key(session, old_ring.vault, concern, old_ring.policy.retention, NOW)
    with service(
        database_url,
        speakup_shred_key_dir=str(keys),
        speakup_encryption_keys=f"{KEY_B},{KEY_A}",
    ) as both:
        report = rotate(both.db, both.vault.ring, now=lambda: NOW, shreds=both.vault.shreds)
        assert report.rotated == 1 and not report.key_missing
    with service(
        database_url, speakup_shred_key_dir=str(keys), speakup_encryption_keys=KEY_B
    ) as new_ring:
        with new_ring.db.transaction() as session:
            concern = session.get_one(Concern, concern_id)
            assert concern.shred_month == "2036-03"
            data_key = new_ring.vault.concern_key(concern)
            assert SECRET in new_ring.vault.open_text(
                data_key, concern.report_enc, table="concerns", row_id=concern.id, field="report"
            )
        # Without the month's shred key the new ring alone opens nothing.
        (keys / "2036-03.key").unlink()
        with new_ring.db.transaction() as session, pytest.raises(ContentDestroyed):
            new_ring.vault.concern_key(session.get_one(Concern, concern_id))
