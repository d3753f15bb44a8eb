"""`speakup jobs list` and `speakup jobs run` as an operator meets them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.domain.clock import utcnow
from storage.db import Database
from storage.models import JobRun, OutboxItem
from tests.support.concerns import SECRET, raise_concern, service
from tests.support.harness import GUARDIAN_CHANNEL, GUARDIANS, KEY_A, REPORTER
from tests.support.speakup_process import assert_one_line_error, run_speakup


def jobs_env(database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SPEAKUP_ENCRYPTION_KEYS": KEY_A,
        "SPEAKUP_GUARDIAN_CHANNEL": GUARDIAN_CHANNEL,
        "SPEAKUP_SAFEGUARDING_CHANNEL": "C0SAFEGUARD",
        "SPEAKUP_GUARDIANS": ",".join(GUARDIANS),
        "SPEAKUP_GUARDIAN_DIGEST_TIME": "07:45",
        "SPEAKUP_LOG_LEVEL": "WARNING",
    }


def counts(database_url: str) -> tuple[int, int]:
    db = Database(database_url)
    try:
        with db.transaction() as session:
            runs = session.scalar(select(func.count(JobRun.id)))
            digests = session.scalar(
                select(func.count(OutboxItem.id)).where(OutboxItem.kind == "digest")
            )
    finally:
        db.dispose()
    return int(runs or 0), int(digests or 0)


def test_jobs_list_names_each_job_its_local_schedule_and_last_period(
    database_url: str, tmp_path: Path
) -> None:
    env = jobs_env(database_url)
    with service(database_url):
        pass  # migrated
    listed = run_speakup("jobs", "list", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines() if line[:1].strip()}
    assert set(lines) == {
        "guardian_digest",
        "safeguarding_digest",
        "delivery_alarms",
        "sla_sweep",
        "housekeeping",
        "escalation",
        "due_times_recheck",
        "leaders_digest",
        "quarterly_return",
        "retention",
        "detriment_checkin",
    }
    assert "working days at 07:45 (Europe/London)" in lines["guardian_digest"]
    assert "every 15 minutes" in lines["detriment_checkin"]
    assert "every day at 08:00 (Europe/London)" in lines["safeguarding_digest"]
    assert "every minute" in lines["delivery_alarms"]
    assert "every day at 03:30 (Europe/London)" in lines["retention"]
    assert all("never run" in line for line in lines.values())

    ran = run_speakup("jobs", "run", "guardian_digest", env=env, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "ran" in ran.stdout and "already" not in ran.stdout
    period = ran.stdout.split()[1].rstrip(":")
    again = run_speakup("jobs", "run", "guardian_digest", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"guardian_digest {period}: already done" in again.stdout
    assert counts(database_url) == (1, 1)

    listed = run_speakup("jobs", "list", env=env, cwd=tmp_path)
    guardian = next(line for line in listed.stdout.splitlines() if "guardian_digest" in line)
    assert f"last finished {period}" in guardian


def test_dry_run_prints_block_kit_and_text_and_changes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    with service(database_url) as context:
        _, reference = raise_concern(context, utcnow() - timedelta(days=4))
    result = run_speakup(
        "jobs", "run", "guardian_digest", "--dry-run", env=jobs_env(database_url), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "dry run" in out.splitlines()[0]
    assert f"--- to <#{GUARDIAN_CHANNEL}> ---" in out
    # The Block Kit JSON, then the same message as a person reads it.
    start = out.index("{")
    message, end = json.JSONDecoder().raw_decode(out[start:])
    assert message["blocks"][0]["type"] == "header"
    assert reference in json.dumps(message["blocks"])
    text = out[start + end :]
    assert "Guardians' digest" in text and "Not yet acknowledged" in text and reference in text
    assert '"type"' not in text
    assert SECRET not in out and REPORTER not in out
    assert counts(database_url) == (0, 0)


def test_an_unknown_job_is_one_line_naming_the_jobs(database_url: str, tmp_path: Path) -> None:
    with service(database_url):
        pass
    result = run_speakup("jobs", "run", "weekly_digest", env=jobs_env(database_url), cwd=tmp_path)
    line = assert_one_line_error(result, "weekly_digest", "guardian_digest", "safeguarding_digest")
    assert "delivery_alarms" in line


def test_jobs_on_a_database_never_upgraded_say_what_to_run(tmp_path: Path) -> None:
    env = jobs_env(f"sqlite:///{tmp_path / 'fresh.db'}")
    result = run_speakup("jobs", "list", env=env, cwd=tmp_path)
    assert_one_line_error(result, "speakup db upgrade")
