"""Fixtures the runtime tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.demo.simulator.web_api import SlackWebApiEmulator


@pytest.fixture
def emu() -> Iterator[SlackWebApiEmulator]:
    """The Slack Web API emulator, serving for one test."""
    with SlackWebApiEmulator() as emulator:
        yield emulator
