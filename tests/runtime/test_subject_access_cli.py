"""`speakup export reporter`: subject access from the command line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.harness import REPORTER, Harness
from tests.support.speakup_process import cli_env, run_speakup


def speakup(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_speakup(*args, env=cli_env(database_url), cwd=cwd)


def test_export_writes_json_and_text(harness: Harness, database_url: str, tmp_path: Path) -> None:
    harness.raise_speak_up(description="Short-staffed every weekend", identity="open")
    harness.settle()
    result = speakup(
        "export", "reporter", REPORTER, "--out", str(tmp_path / "sar"),
        database_url=database_url, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "sar.json").read_text())
    assert data["concerns"][0]["what_you_told_us"]["description"] == "Short-staffed every weekend"
    assert "Short-staffed every weekend" in (tmp_path / "sar.txt").read_text()


def test_export_refuses_what_is_not_a_user_id(database_url: str, tmp_path: Path) -> None:
    result = speakup("export", "reporter", "#general", database_url=database_url, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Slack user id" in result.stderr
