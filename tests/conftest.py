"""Fixtures: every database-backed test runs on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.runtime.logs import configure_logging
from storage.db import Database
from tests.support.block_kit_limits import problems_in_all_sent
from tests.support.harness import RING_A, Harness, reset_database, running_app
from tests.support.log_scrubber import LogScrubber, suite_markers

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'speakup-test.db'}"
    url = os.environ["TEST_DATABASE_URL"]
    reset_database(url)
    return url


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Each test sees only the settings it sets itself (none of the machine's)."""
    for name in list(os.environ):
        if name.upper().startswith(("SLACK_", "SPEAKUP_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """An empty, migrated database on each backend."""
    database = Database(database_url, ring=RING_A)
    database.upgrade()
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def harness(database_url: str) -> Iterator[Harness]:
    with running_app(database_url) as running:
        yield running
        # Whatever a test did, every view and message the app sent must be one Slack accepts.
        problems = problems_in_all_sent(running)
        assert not problems, problems


@pytest.fixture(autouse=True)
def _structured_logs() -> None:
    # Logs go through stdlib logging so caplog captures every line tests scan for leaks.
    configure_logging("DEBUG")


# -- no concern text or reporter id in any log line, whichever test or thread wrote it --------

SCRUBBER = LogScrubber()


def pytest_configure(config: pytest.Config) -> None:
    SCRUBBER.forbid_always(*suite_markers())
    logging.getLogger().addHandler(SCRUBBER)


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.getLogger().removeHandler(SCRUBBER)


@pytest.fixture(autouse=True)
def _logs_carry_no_secrets() -> Iterator[None]:
    yield
    found = SCRUBBER.end_test()
    if found:
        pytest.fail("forbidden text reached the logs:\n" + "\n".join(found), pytrace=False)


@pytest.fixture
def forbid_in_logs() -> Callable[..., None]:
    """Call with strings this test's logs must not carry (concern text, a reporter's id)."""
    return SCRUBBER.forbid
