"""`speakup retention report` lists exactly what the next run would destroy, and when, with
the safeguarding note; the daily run purges only delivered outbox rows over 30 days old."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from subprocess import CompletedProcess

from sqlalchemy import select

from bot.domain.taxonomy import ConcernKind
from bot.flows.retention import purge_outbox, retention_report, run_retention
from bot.runtime.retention_cli import SAFEGUARDING_UNSET, describe
from storage import outbox
from storage.models import Concern, OutboxItem
from tests.support.concerns import SECRET, raise_concern, service, set_columns
from tests.support.harness import KEY_A
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
