"""`speakup digest leaders` and `speakup export quarterly` from the command line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from storage.db import Database
from tests.support.harness import LEADERS_CHANNEL, Harness
from tests.support.speakup_process import cli_env, run_speakup


def speakup(
    *args: str, database_url: str, cwd: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    settings = cli_env(database_url, SPEAKUP_GUARDIAN_CHANNEL="C0GUARDIANS", **env)
    return run_speakup(*args, env=settings, cwd=cwd, timeout=120)


def test_dry_run_prints_blocks_text_and_the_chart(harness: Harness, tmp_path: Path) -> None:
    secret = "zq-cli-secret-8812"
    harness.raise_speak_up(description=secret, identity="open")
    harness.settle()
    result = speakup(
        "digest", "leaders", "--dry-run", "--week", "2026-W49",
        database_url=harness.context.settings.database_url, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    blocks_json, rest = result.stdout.split("\n\n", 1)
    assert json.loads(blocks_json)["blocks"][0]["type"] == "header"
    assert "Speak up: leaders' digest for 2026-W49 (2026-11-30 to 2026-12-06)" in rest
    chart = Path(rest.strip().splitlines()[-1].removeprefix("chart: "))
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert secret not in result.stdout and harness.latest_reference() not in result.stdout
    assert not harness.emulator.messages_in(LEADERS_CHANNEL)  # a dry run posts nothing


def test_posting_a_week_twice_queues_it_once(db: Database, tmp_path: Path) -> None:
    url = db.url
    first = speakup("digest", "leaders", "--week", "2026-W49", database_url=url, cwd=tmp_path,
                    SPEAKUP_LEADERS_CHANNEL="C0LEADERS")  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "digest for 2026-W49 queued" in first.stdout
    again = speakup("digest", "leaders", "--week", "2026-W49", database_url=url, cwd=tmp_path,
                    SPEAKUP_LEADERS_CHANNEL="C0LEADERS")  # fmt: skip
    assert "already posted" in again.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("digest", "leaders", "--week", "2026-49"), "not an ISO week"),
        (("digest", "leaders", "--week", "2026-W54"), "not a week of that year"),
        (("digest", "leaders"), "SPEAKUP_LEADERS_CHANNEL is not set"),
        (("export", "quarterly", "2026/28", "Q2"), "not a financial year"),
        (("export", "quarterly", "2026/27", "Q5"), "not a quarter"),
    ],
)
def test_bad_input_is_one_line(
    db: Database, tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    result = speakup(*args, database_url=db.url, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and says in result.stderr, result.stderr


def test_quarterly_export_writes_the_csv(harness: Harness, tmp_path: Path) -> None:
    harness.raise_speak_up(identity="anonymous_follow_up", elements=["patient_safety"])
    harness.settle()
    from bot.domain.clock import utcnow
    from bot.domain.schedules import quarter_of

    year, quarter = quarter_of(utcnow().date())
    out = tmp_path / "return.csv"
    result = speakup(
        "export", "quarterly", year, f"Q{quarter}", "--out", str(out),
        database_url=harness.context.settings.database_url, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    header, row = out.read_text().splitlines()
    figures = dict(zip(header.split(","), row.split(","), strict=True))
    assert figures["cases_total"] == "1"
    assert figures["cases_anonymous"] == "1"
    assert figures["element_patient_safety_quality"] == "1"
