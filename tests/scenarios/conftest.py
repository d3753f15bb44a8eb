"""Fixtures shared by scenarios."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

from tests.support.alarms import alarmed_app
from tests.support.harness import Harness, running_app
from tests.support.journeys import NO_CONTACT_REPORTER
from tests.support.retention import LEAD


@pytest.fixture
def alarmed(database_url: str) -> Iterator[Harness]:
    """The app with a guardian lead and an ops channel, for the delivery alarm's journeys."""
    with alarmed_app(database_url) as running:
        yield running


@pytest.fixture
def team(database_url: str) -> Iterator[Harness]:
    """The app with a guardian lead, who may place and lift legal holds."""
    with running_app(database_url, speakup_guardian_leads=[LEAD]) as running:
        yield running


@pytest.fixture
def no_contact_logs(
    harness: Harness, caplog: pytest.LogCaptureFixture, forbid_in_logs: Callable[..., None]
) -> pytest.LogCaptureFixture:
    """Every log line captured, for a test in which the no-contact reporter, known to the
    workspace by name, must never be logged by id."""
    caplog.set_level(logging.DEBUG)
    forbid_in_logs(NO_CONTACT_REPORTER)
    harness.emulator.add_user(NO_CONTACT_REPORTER, "Whistle Blower")
    return caplog
