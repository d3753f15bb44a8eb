"""A running app with leads configured, a movable clock, and what the ladder sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.domain.clock import utcnow
from bot.jobs.escalation import ESCALATION
from bot.jobs.runner import run_period
from bot.jobs.sla_sweep import SLA_SWEEP
from tests.support.block_kit_limits import problems_in_all_sent
from tests.support.harness import SAFEGUARDING_GROUP, SAFEGUARDING_MEMBERS, Harness, running_app

GUARDIAN_LEAD = "U0GLEAD"
SAFEGUARDING_LEADS_GROUP = "S0SGLEADS"
SAFEGUARDING_LEADS = ["U0SGLEAD1", "U0SGLEAD2"]
EXECUTIVE = "U0EXEC"
SECOND_MEMBER = "U0SAFE2"

LEADS_SETTINGS: dict[str, Any] = {
    "speakup_guardian_leads": [GUARDIAN_LEAD],
    "speakup_safeguarding_leads": [SAFEGUARDING_LEADS_GROUP],
    "speakup_executive_leads": [EXECUTIVE],
}


@contextmanager
def app_with_leads(database_url: str, **overrides: Any) -> Iterator[Harness]:
    """The real app with leads (one a user group) and a second safeguarding team member."""
    with running_app(database_url, **{**LEADS_SETTINGS, **overrides}) as harness:
        emulator = harness.emulator
        emulator.add_user(GUARDIAN_LEAD, "Gail Guardian-Lead")
        for number, lead in enumerate(SAFEGUARDING_LEADS, start=1):
            emulator.add_user(lead, f"Safeguarding Lead {number}")
        emulator.add_usergroup(SAFEGUARDING_LEADS_GROUP, SAFEGUARDING_LEADS)
        emulator.add_user(EXECUTIVE, "Eve Executive")
        emulator.add_user(SECOND_MEMBER, "Sasha Safeguarding")
        emulator.add_usergroup(SAFEGUARDING_GROUP, [*SAFEGUARDING_MEMBERS, SECOND_MEMBER])
        yield harness
        problems = problems_in_all_sent(harness)
        assert not problems, problems


@dataclass
class MovableClock:
    """The service's clock, moved forward as a test needs; it keeps ticking from there."""

    harness: Harness
    monkeypatch: pytest.MonkeyPatch

    def move_to(self, moment: datetime) -> datetime:
        offset = moment - utcnow()
        self.monkeypatch.setattr(self.harness.context, "clock", lambda: utcnow() + offset)
        return moment

    def run_jobs(self, moment: datetime) -> None:
        """At `moment`: the SLA sweep and the escalation job, then delivery."""
        now = self.move_to(moment)
        for job in (SLA_SWEEP, ESCALATION):
            run_period(self.harness.context, job, job.schedule.latest(now), owner="test", now=now)
        self.harness.settle()


@dataclass(frozen=True)
class Escalation:
    channel: str
    deadline: str
    rung: int
    text: str
    thread_ts: str | None
    params: dict[str, Any]


def escalations(harness: Harness) -> list[Escalation]:
    """Every escalation message that reached Slack, in the order it was posted."""
    found = []
    for call in harness.emulator.calls_to("chat.postMessage"):
        if not call.ok:
            continue
        metadata = call.params.get("metadata") or {}
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        key = str((metadata.get("event_payload") or {}).get("key", ""))
        if not key.startswith("esc:"):
            continue
        _, _, deadline, _, rung = key.split(":")
        found.append(
            Escalation(
                channel=str(call.params["channel"]),
                deadline=deadline,
                rung=int(rung),
                text=str(call.params.get("text") or ""),
                thread_ts=call.params.get("thread_ts"),
                params=dict(call.params),
            )
        )
    return found


def dm_channel(harness: Harness, user: str) -> str:
    return harness.emulator.im_channel_id(user)


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)
