"""The safeguarding team's digest: every day at 08:00 (configurable), weekends included."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.policy import Policy
from bot.domain.schedules import DailyAt, Period
from bot.flows import effects
from bot.flows.context import AppContext
from bot.flows.digests import Audience, safeguarding_digest
from bot.jobs.runner import Job

NAME = "safeguarding_digest"


def _work(session: Session, context: AppContext, period: Period, now: datetime) -> str:
    channel = context.router.safeguarding_channel
    if channel is None:  # safeguarding is off: the job is not scheduled, but say so if run
        return "no safeguarding channel"
    digest = safeguarding_digest(session, context.policy, now, channel=channel)
    effects.queue_digest(
        session,
        digest=Audience.SAFEGUARDING,
        period=period.key,
        channel=channel,
        payload=digest.to_payload(),
        now=now,
    )
    return f"{digest.count} concerns listed"


def safeguarding_digest_job(policy: Policy) -> Job:
    return Job(
        name=NAME,
        schedule=DailyAt(policy.digests.safeguarding_at, policy.timezone),
        work=_work,
        description="The safeguarding team's daily digest in their channel",
    )
