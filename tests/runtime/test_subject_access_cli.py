"""`speakup export reporter`: subject access from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.harness import KEY_A, REPORTER, Harness


def speakup(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("speakup")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "bot.runtime.cli"]
    return subprocess.run(
        [*command, *args],
        env={
            "PATH": os.environ.get("PATH", ""),
            "DATABASE_URL": database_url,
            "SPEAKUP_ENCRYPTION_KEYS": KEY_A,
        },
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


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
