"""The `speakup` command as an operator meets it: clear one-line errors, keys, migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from storage.crypto import KeyRing, generate_key
from storage.db import Database
from tests.support.harness import KEY_A
from tests.support.speakup_process import run_speakup

UNREACHABLE_DB = "postgresql+psycopg://postgres:hunter2@127.0.0.1:1/none"


def serve_settings(**changes: str) -> dict[str, str]:
    values = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "signing-secret",
        "SPEAKUP_GUARDIAN_CHANNEL": "C0GUARDIANS",
        "SPEAKUP_ENCRYPTION_KEYS": KEY_A,
        "DATABASE_URL": "sqlite:///speakup.db",
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value}


def assert_one_line_error(result: subprocess.CompletedProcess[str], *names: str) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for name in names:
        assert name in lines[0]
    assert lines[0].startswith("speakup: ")
    return lines[0]


# -- serve refuses to start, in one plain line -------------------------------------------


def test_serve_without_bot_token_names_it(tmp_path: Path) -> None:
    result = run_speakup("serve", "--http", env=serve_settings(SLACK_BOT_TOKEN=""), cwd=tmp_path)
    assert_one_line_error(result, "SLACK_BOT_TOKEN")


def test_serve_with_malformed_key_names_the_setting_not_the_key(tmp_path: Path) -> None:
    bad = "c2hvcnQta2V5"  # base64 of "short-key": valid base64, wrong length
    result = run_speakup(
        "serve",
        "--http",
        env=serve_settings(SPEAKUP_ENCRYPTION_KEYS=f"{KEY_A},{bad}"),
        cwd=tmp_path,
    )
    line = assert_one_line_error(result, "SPEAKUP_ENCRYPTION_KEYS", "key 2")
    assert bad not in line
    assert KEY_A not in line


def test_serve_without_any_key_says_how_to_make_one(tmp_path: Path) -> None:
    result = run_speakup(
        "serve", "--http", env=serve_settings(SPEAKUP_ENCRYPTION_KEYS=""), cwd=tmp_path
    )
    assert_one_line_error(result, "SPEAKUP_ENCRYPTION_KEYS", "speakup keys generate")


def test_serve_with_unreachable_database_says_so_without_the_password(tmp_path: Path) -> None:
    result = run_speakup(
        "serve", "--http", env=serve_settings(DATABASE_URL=UNREACHABLE_DB), cwd=tmp_path
    )
    line = assert_one_line_error(result, "database", "127.0.0.1:1")
    assert "hunter2" not in line


@pytest.mark.parametrize(
    "url",
    [
        "not a database url",  # sqlalchemy ArgumentError today: a traceback
        "mysql://speakup@127.0.0.1/speakup",  # driver not installed: a traceback today
    ],
)
def test_unusable_database_url_is_one_line_naming_the_setting(tmp_path: Path, url: str) -> None:
    result = run_speakup("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert_one_line_error(result, "DATABASE_URL")


def test_malformed_number_setting_names_it(tmp_path: Path) -> None:
    result = run_speakup("db", "upgrade", env={"SPEAKUP_OUTBOX_POLL_SECONDS": "soon"}, cwd=tmp_path)
    assert_one_line_error(result, "SPEAKUP_OUTBOX_POLL_SECONDS")


def test_missing_config_file_names_the_setting(tmp_path: Path) -> None:
    result = run_speakup(
        "db", "upgrade", env={"SPEAKUP_CONFIG": str(tmp_path / "absent.toml")}, cwd=tmp_path
    )
    assert_one_line_error(result, "SPEAKUP_CONFIG")


# -- chores --------------------------------------------------------------------------------


def test_keys_generate_prints_a_usable_key(tmp_path: Path) -> None:
    result = run_speakup("keys", "generate", env={}, cwd=tmp_path)
    assert result.returncode == 0
    key = result.stdout.strip()
    assert "\n" not in key
    assert KeyRing.from_config(key).newest_id
    assert run_speakup("keys", "generate", env={}, cwd=tmp_path).stdout.strip() != key


def test_db_upgrade_creates_the_schema_and_is_repeatable(database_url: str, tmp_path: Path) -> None:
    for _ in range(2):
        result = run_speakup("db", "upgrade", env={"DATABASE_URL": database_url}, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout
    db = Database(database_url)
    try:
        tables = set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()
    assert {"concerns", "concern_events", "outbox", "audit_log", "alembic_version"} <= tables


def test_default_database_is_a_file_in_the_working_directory(tmp_path: Path) -> None:
    result = run_speakup("db", "upgrade", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "speakup.db").is_file()


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", "keys", "generate"],
        env={"PATH": os.environ.get("PATH", "")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.strip(), "python -m bot.runtime.cli printed nothing (no __main__ guard?)"
    assert KeyRing.from_config(result.stdout.strip())


def test_generated_key_works_for_serve_settings() -> None:
    # The CLI and the settings agree on the format.
    assert (
        KeyRing.from_config(f"{generate_key()},{KEY_A}").key_ids[1]
        == KeyRing.from_config(KEY_A).newest_id
    )
