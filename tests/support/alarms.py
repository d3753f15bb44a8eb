"""The people and places a delivery alarm reaches, beyond the team: a guardian lead and the
operations channel."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from bot.domain.clock import utcnow
from bot.domain.schedules import Period
from bot.jobs import runner
from bot.jobs.delivery_alarms import delivery_alarms_job
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


def alarm_texts(harness: Harness, place: str) -> list[str]:
    """What the bot said about deliveries in a channel, or in its DM with a user: alarms
    (cards held up, or Slack's news that the channel cannot take them) and all-clears."""
    channel = harness.emulator.im_channel_id(place) if place.startswith("U") else place
    texts = [str(message.get("text")) for message in harness.emulator.messages_in(channel)]
    return [t for t in texts if "waiting to reach <#" in t or "can no longer take cards" in t]


def check_alarms(harness: Harness) -> None:
    """One run of the alarm job (each its own period: the tests check several a minute)."""
    job = delivery_alarms_job(harness.context.policy)
    now = utcnow()
    period = Period(f"check-{uuid.uuid4().hex[:8]}", now)
    assert runner.run_period(harness.context, job, period, owner="test", now=now).ran
