"""The people and places a delivery alarm reaches, beyond the team: a guardian lead and the
operations channel."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.harness import Harness, running_app

LEAD = "U0LEAD"
OPS = "C0OPS"


@contextmanager
def alarmed_app(database_url: str) -> Iterator[Harness]:
    """The app with a guardian lead and an ops channel configured, both known to Slack."""
    with running_app(
        database_url, speakup_guardian_leads=[LEAD], speakup_ops_channel=OPS
    ) as running:
        running.emulator.add_user(LEAD, "Lee Lead")
        running.emulator.add_channel(OPS, "speakup-ops", is_private=True)
        yield running
