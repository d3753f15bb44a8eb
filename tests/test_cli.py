"""The `speakup` command as an operator meets it: clear one-line errors, keys, migrations."""

from __future__ import annotations

import base64
import os
import socket
import stat
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from storage.crypto import KeyRing, generate_key
from storage.db import Database
from tests.harness import KEY_A

UNREACHABLE_DB = "postgresql+psycopg://postgres:hunter2@127.0.0.1:1/none"


def speakup_command() -> list[str]:
    """The installed console script next to this interpreter, else the same entry point."""
    script = Path(sys.executable).with_name("speakup")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from bot.runtime.cli import main; main()"]


def run_speakup(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*speakup_command(), *args],
        env={"PATH": os.environ.get("PATH", ""), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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


@pytest.mark.parametrize(
    "keys",
    [
        base64.b64encode(bytes(32)).decode(),  # all zeros
        base64.b64encode(b"A" * 32).decode(),  # typed by hand
        f"{KEY_A},{KEY_A}",  # the same key twice
    ],
)
def test_serve_refuses_weak_or_repeated_keys_in_one_line(tmp_path: Path, keys: str) -> None:
    result = run_speakup(
        "serve", "--http", env=serve_settings(SPEAKUP_ENCRYPTION_KEYS=keys), cwd=tmp_path
    )
    line = assert_one_line_error(result, "SPEAKUP_ENCRYPTION_KEYS")
    assert "not random" in line or "same as key 1" in line
    for key in keys.split(","):
        assert key not in line


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


# -- every operator mistake is one line -----------------------------------------------------


def test_version_comes_from_the_package(tmp_path: Path) -> None:
    result = run_speakup("--version", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"speakup {version('speakup')}"


def test_a_bad_port_does_not_break_help(tmp_path: Path) -> None:
    for args in (["--help"], ["serve", "--help"], ["keys", "generate"]):
        result = run_speakup(*args, env={"PORT": "abc"}, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["abc", "70000"])  # more in test_settings
def test_serve_with_a_bad_port_names_it(tmp_path: Path, port: str) -> None:
    result = run_speakup("serve", "--http", env=serve_settings(PORT=port), cwd=tmp_path)
    assert_one_line_error(result, "PORT")
    assert result.returncode == 2


def test_a_bad_port_option_is_one_line(tmp_path: Path) -> None:
    result = run_speakup("serve", "--http", "--port", "abc", env=serve_settings(), cwd=tmp_path)
    assert_one_line_error(result, "--port", "'abc'")
    assert result.returncode == 2


@pytest.mark.parametrize("how", ["PORT", "--port"])
def test_a_port_in_use_stops_serve_before_the_database_is_touched(tmp_path: Path, how: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        env = serve_settings(PORT=port) if how == "PORT" else serve_settings()
        options = ["--port", port] if how == "--port" else []
        result = run_speakup(
            "serve", "--http", "--host", "127.0.0.1", *options, env=env, cwd=tmp_path
        )
    assert_one_line_error(result, f"PORT {port}", "in use")
    assert not (tmp_path / "speakup.db").exists()  # no migration, no sweep, nothing


@pytest.mark.parametrize("level", ["debug", "Info", "warning"])
def test_log_level_in_any_case(tmp_path: Path, level: str) -> None:
    result = run_speakup("db", "upgrade", env={"SPEAKUP_LOG_LEVEL": level}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    if level == "warning":
        assert result.stderr == ""  # the migrations' INFO lines are below it


def test_unknown_log_level_is_one_line(tmp_path: Path) -> None:
    result = run_speakup("db", "upgrade", env={"SPEAKUP_LOG_LEVEL": "loud"}, cwd=tmp_path)
    assert_one_line_error(result, "SPEAKUP_LOG_LEVEL", "'loud'", "INFO")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SPEAKUP_GUARDIAN_CHANNEL", "#ftsu-guardians"),
        ("SPEAKUP_SAFEGUARDING_CHANNEL", "safeguarding team"),
    ],  # every channel setting in test_settings
)
def test_a_channel_name_instead_of_its_id_says_where_to_find_the_id(
    tmp_path: Path, name: str, value: str
) -> None:
    result = run_speakup("serve", "--http", env=serve_settings(**{name: value}), cwd=tmp_path)
    assert_one_line_error(result, name, repr(value), "channel details", "Channel ID")


@pytest.mark.parametrize(
    "name",
    ["SPEAKUP_GUARDIANS", "SPEAKUP_EXECUTIVE_LEADS"],  # every such setting in test_settings
)
def test_a_person_by_name_instead_of_id_is_one_line(tmp_path: Path, name: str) -> None:
    env = serve_settings(**{name: "U0GOOD1, Jane Smith"})
    result = run_speakup("serve", "--http", env=env, cwd=tmp_path)
    assert_one_line_error(result, name, "'Jane Smith'", "member ID")


def test_empty_settings_are_unset(tmp_path: Path) -> None:
    # As an env file with `NAME=` lines hands them over: every setting empty.
    from bot.runtime.settings import Settings

    env = {name.upper(): "" for name in Settings.model_fields}
    env.update({"PORT": "", "SPEAKUP_CONFIG": ""})
    result = run_speakup("db", "upgrade", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "speakup.db").is_file()  # DATABASE_URL= means the default


# -- the database ------------------------------------------------------------------------------


def test_sqlite_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    previous = os.umask(0o022)  # what most hosts have: files readable by everyone
    try:
        db = Database(f"sqlite:///{path}")
        try:
            db.upgrade()
            with db.engine.connect() as connection:  # open: the -wal and -shm files exist
                connection.execute(text("SELECT count(*) FROM concerns")).scalar()
                files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
                modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
        finally:
            db.dispose()
    finally:
        os.umask(previous)
    assert modes == {f.name: 0o600 for f in files}


def test_concurrent_upgrades_of_a_fresh_database_all_succeed(
    database_url: str, tmp_path: Path
) -> None:
    # Replicas and a one-shot upgrade job may all start at once against an empty database.
    env = {"DATABASE_URL": database_url, "SPEAKUP_LOG_LEVEL": "WARNING"}
    processes = [
        subprocess.Popen(
            [*speakup_command(), "db", "upgrade"],
            env={"PATH": os.environ.get("PATH", ""), **env},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [(p.wait(60), *p.communicate()) for p in processes]
    for code, out, err in outcomes:
        assert code == 0, err
        assert "up to date" in out
    db = Database(database_url)
    try:
        with db.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        db.dispose()
    assert len(versions) == 1
