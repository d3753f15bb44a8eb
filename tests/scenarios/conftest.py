"""Fixtures shared by scenarios."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.alarms import alarmed_app
from tests.support.harness import Harness, running_app
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
