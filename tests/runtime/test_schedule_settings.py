"""The digest, alarm and safeguarding settings: their names and defaults."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.jobs.scheduler import all_jobs
from bot.runtime.context import policy_from
from bot.runtime.settings import load_settings

# Each test sees only the settings it sets itself.
pytestmark = pytest.mark.usefixtures("clean_environment")


def test_defaults() -> None:
    policy = policy_from(load_settings())
    assert policy.digests.guardians_at == time(8, 30)
    assert policy.digests.safeguarding_at == time(8, 0)
    assert (policy.digests.reporter_wait_days, policy.digests.closed_review_days) == (7, 7)
    assert policy.alarms.urgent_after == timedelta(minutes=5)
    assert policy.alarms.other_after == timedelta(minutes=15)
    assert policy.alarms.repeat_every == timedelta(hours=1)
    assert policy.job_lease == timedelta(minutes=5)
    assert policy.ops_channel is None and policy.safeguarding_on


def test_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SPEAKUP_GUARDIAN_DIGEST_TIME": "07:15",
        "SPEAKUP_SAFEGUARDING_DIGEST_TIME": "06:45",
        "SPEAKUP_REPORTER_WAIT_DAYS": "10",
        "SPEAKUP_CLOSED_REVIEW_DAYS": "14",
        "SPEAKUP_FEEDBACK_CHASE_DAYS": "60",
        "SPEAKUP_ALARM_URGENT_MINUTES": "3",
        "SPEAKUP_ALARM_MINUTES": "20",
        "SPEAKUP_ALARM_REPEAT_MINUTES": "30",
        "SPEAKUP_ALARM_CHECK_MINUTES": "2",
        "SPEAKUP_JOB_LEASE_SECONDS": "120",
        "SPEAKUP_OPS_CHANNEL": "C0OPS",
        "SPEAKUP_GUARDIAN_LEADS": "U0LEAD, S0LEADS",
        "SPEAKUP_SAFEGUARDING_LEADS": "U0SGLEAD",
        "SPEAKUP_SAFEGUARDING": "OFF",
        "SPEAKUP_SAFEGUARDING_ELSEWHERE": "Call the hub.",
    }.items():
        monkeypatch.setenv(name, value)
    policy = policy_from(load_settings())
    assert (policy.digests.guardians_at, policy.digests.safeguarding_at) == (
        time(7, 15),
        time(6, 45),
    )
    assert (
        policy.digests.reporter_wait_days,
        policy.digests.closed_review_days,
        policy.digests.feedback_chase_days,
    ) == (10, 14, 60)
    assert policy.alarms.urgent_after == timedelta(minutes=3)
    assert policy.alarms.other_after == timedelta(minutes=20)
    assert policy.alarms.repeat_every == timedelta(minutes=30)
    assert policy.job_lease == timedelta(seconds=120)
    assert policy.ops_channel == "C0OPS"
    assert policy.guardian_leads == ("U0LEAD", "S0LEADS")
    assert policy.safeguarding_leads == ("U0SGLEAD",)
    assert not policy.safeguarding_on and policy.safeguarding_elsewhere == "Call the hub."
    schedules = {job.name: job.schedule.describe() for job in all_jobs(policy)}
    assert schedules["guardian_digest"] == "working days at 07:15 (Europe/London)"
    assert schedules["delivery_alarms"] == "every 2 minutes"
    assert "safeguarding_digest" not in schedules
