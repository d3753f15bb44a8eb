"""Log lines explain failures (exception type and stack) without quoting a database error,
and every library's lines come out as the same JSON."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from bot.runtime.logs import configure_logging, get_logger
from tests.test_cli import run_speakup

# What a concern's text would be; it goes into a statement's parameters below.
MARKER = "qx-ward-7-concern-text-5520"


def captured_logs(level: str = "DEBUG") -> io.StringIO:
    stream = io.StringIO()
    configure_logging(level, stream=stream)
    return stream


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def integrity_error(database_url: str) -> IntegrityError:
    """A real unique-key violation whose message quotes MARKER, as the driver reports it."""
    # No hide_parameters here, unlike the service's engine: the worst case.
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE log_probe (body VARCHAR(100) UNIQUE)"))
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO log_probe VALUES (:body)"), {"body": MARKER})
        with pytest.raises(IntegrityError) as raised, engine.begin() as connection:
            connection.execute(text("INSERT INTO log_probe VALUES (:body)"), {"body": MARKER})
    finally:
        engine.dispose()
    assert MARKER in str(raised.value)  # the message does quote it: there is something to hide
    return raised.value


def test_exception_is_logged_with_type_and_stack_but_not_the_database_error_message(
    database_url: str,
) -> None:
    error = integrity_error(database_url)
    stream = captured_logs()
    try:
        raise error
    except IntegrityError:
        get_logger("bot.slack.delivery").exception("outbox.cycle_failed", outbox_id=7)
        # Bolt's listener error handler splices the error into its message.
        logging.getLogger("speakup.bolt").exception(
            f"Failed to run listener function (error: {error})"
        )
    assert MARKER not in stream.getvalue()
    ours, bolts = json_lines(stream)
    assert ours["event"] == "outbox.cycle_failed" and ours["outbox_id"] == 7
    assert ours["level"] == "error"
    for line in (ours, bolts):
        trace = line["exception"]
        assert trace.startswith("Traceback (most recent call last):")
        assert "sqlalchemy.exc.IntegrityError" in trace
        assert "integrity_error" in trace and "test_logs.py" in trace  # the frames
        assert "withheld" in trace
    assert bolts["event"].startswith("Failed to run listener function (error: (message withheld")


def test_other_exceptions_keep_their_message() -> None:
    stream = captured_logs()
    try:
        raise RuntimeError("scheduler lost its lease")
    except RuntimeError:
        logging.getLogger("apscheduler.executors.default").exception("Job raised")
    (line,) = json_lines(stream)
    assert line["logger"] == "apscheduler.executors.default"
    assert line["exception"].endswith("RuntimeError: scheduler lost its lease")


def test_library_loggers_write_the_same_json() -> None:
    stream = captured_logs("INFO")
    for name in ("alembic.runtime.migration", "apscheduler.scheduler", "waitress", "slack_bolt"):
        logging.getLogger(name).warning("from %s", name)
    get_logger("bot.runtime.server").info("serve.http", port=3000)
    lines = json_lines(stream)
    assert [line["logger"] for line in lines] == [
        "alembic.runtime.migration",
        "apscheduler.scheduler",
        "waitress",
        "slack_bolt",
        "bot.runtime.server",
    ]
    assert all({"event", "level", "timestamp"} <= set(line) for line in lines)


def test_slack_sdk_stays_at_warning_whatever_our_level() -> None:
    stream = captured_logs("DEBUG")
    logging.getLogger("slack_sdk.web.base_client").debug("Sending a request - body: %s", MARKER)
    logging.getLogger("slack_bolt.App").info("chatter")
    get_logger("bot.slack.delivery").debug("outbox.idle")
    assert [line["event"] for line in json_lines(stream)] == ["outbox.idle"]


@pytest.mark.parametrize("level", ["debug", "Info", "WARNING"])
def test_levels_in_any_case(level: str) -> None:
    stream = captured_logs(level)
    get_logger("bot").debug("d")
    get_logger("bot").info("i")
    get_logger("bot").warning("w")
    expected = {"debug": ["d", "i", "w"], "info": ["i", "w"], "warning": ["w"]}[level.lower()]
    assert [line["event"] for line in json_lines(stream)] == expected


def test_reconfiguring_replaces_our_handler_and_keeps_others() -> None:
    other = logging.NullHandler()
    root = logging.getLogger()
    root.addHandler(other)
    try:
        captured_logs()
        stream = captured_logs()
        get_logger("bot").info("once")
        assert len(json_lines(stream)) == 1
        assert other in root.handlers
    finally:
        root.removeHandler(other)


def test_db_upgrade_writes_json_lines_only(tmp_path: Path) -> None:
    result = run_speakup(
        "db",
        "upgrade",
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "SPEAKUP_LOG_LEVEL": "debug"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert any(line["event"].startswith("Running upgrade") for line in lines), result.stderr
    assert {line["logger"] for line in lines} == {"alembic.runtime.migration"}


def test_log_exception_with_nothing_being_handled_renders_no_exception() -> None:
    stream = captured_logs()
    get_logger("bot").exception("odd.call")
    (line,) = json_lines(stream)
    assert line["event"] == "odd.call" and "exception" not in line
