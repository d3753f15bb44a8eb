"""A guard over every log line the suite produces: a test fails when a line carries text that
must never be logged (what a reporter wrote, an anonymous reporter's Slack id).

The guard is a handler on the root logger for the whole session, so it sees what every
thread logs (the outbox worker, Bolt's listener pool, waitress), rendered exactly as the
service renders it, exceptions included. Tests add strings with the `forbid_in_logs`
fixture; the suite's own markers are forbidden everywhere.
"""

from __future__ import annotations

import inspect
import logging

import pytest

from bot.runtime.logs import log_formatter
from tests.support.harness import REPORTER, Harness
from tests.support.raise_helpers import safeguarding_values, speak_up_values

# What the privacy tests type into every field (tests.support.journeys.secret).
PRIVACY_MARKER = "zq-secret-"


def _default(function: object, name: str) -> str:
    value = inspect.signature(function).parameters[name].default  # type: ignore[arg-type]
    assert isinstance(value, str)
    return value


def suite_markers() -> set[str]:
    """Strings no log line may ever carry: the concern texts tests type by default, the
    privacy marker, and the reporter the tests raise anonymous concerns as."""
    return {
        PRIVACY_MARKER,
        _default(Harness.raise_speak_up, "description"),
        _default(speak_up_values, "description"),
        _default(safeguarding_values, "description"),
        REPORTER,
    }


class LogScrubber(logging.Handler):
    """Renders each record as the service does and notes any forbidden string in it."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(log_formatter(json=True))
        self._always: frozenset[str] = frozenset()
        self._this_test: frozenset[str] = frozenset()
        self._found: list[str] = []

    def forbid_always(self, *texts: str) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._always = self._always.union(t for t in texts if t)

    def forbid(self, *texts: str) -> None:
        """Forbid `texts` until the current test ends."""
        with self.lock:  # type: ignore[union-attr]
            self._this_test = self._this_test.union(t for t in texts if t)

    def emit(self, record: logging.LogRecord) -> None:
        forbidden = self._always | self._this_test
        if not forbidden:
            return
        line = self.format(record)
        for text in forbidden:
            if text in line:
                self._found.append(f"{text!r} logged by {record.name}: {line[:500]}")

    def end_test(self) -> list[str]:
        """What was found since the last call; forgets this test's strings."""
        with self.lock:  # type: ignore[union-attr]
            found, self._found = self._found, []
            self._this_test = frozenset()
        return found


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    """The messages `caplog` captured, one a line."""
    return "\n".join(record.getMessage() for record in caplog.records)
