"""The safeguarding team's digest: every day at 08:00 (configurable), weekends included."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.policy import Policy
from bot.domain.schedules import DailyAt, Period
from bot.flows.context import AppContext
from bot.flows.digests import safeguarding_digest
from bot.jobs.runner import Job
from bot.jobs.team_digest import queue_team_digest

NAME = "safeguarding_digest"


def _work(session: Session, context: AppContext, period: Period, now: datetime) -> str:
    channel = context.router.safeguarding_channel
    if channel is None:  # safeguarding is off: the job is not scheduled, but say so if run
        return "no safeguarding channel"
    digest = safeguarding_digest(session, context.policy, now, channel=channel)
    return queue_team_digest(session, digest, channel=channel, period=period, now=now)


def safeguarding_digest_job(policy: Policy) -> Job:
    # Every day, weekends included, unlike the guardians' digest: a risk does not wait.
    every_day = DailyAt(policy.digests.safeguarding_at, policy.timezone)
    return Job(
        name=NAME,
        schedule=every_day,
        work=_work,
        description="The safeguarding team's daily digest in their channel",
    )
