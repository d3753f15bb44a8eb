"""The leaders' weekly digest: counted, suppressed and queued once per reported ISO week."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.policy import Policy
from bot.domain.reporting_week import reported_week
from bot.domain.schedules import Period, WeeklyAt
from bot.flows import effects
from bot.flows.context import AppContext
from bot.flows.leaders_digest import weekly_leaders_digest
from bot.jobs.runner import Job

NAME = "leaders_digest"


def _work(session: Session, context: AppContext, period: Period, now: datetime) -> str:
    channel = context.policy.reporting.leaders_channel
    if not channel:
        return "SPEAKUP_LEADERS_CHANNEL is not set: no digest"
    week = reported_week(period.key, context.policy.timezone)
    digest = weekly_leaders_digest(session, context.policy, week)
    queued = effects.queue_leaders_digest(
        session, channel=channel, week=week.key, digest=digest, now=now
    )
    return f"digest for {week.key} queued" if queued else f"digest for {week.key} already queued"


def leaders_digest_job(policy: Policy) -> Job:
    reporting = policy.reporting
    return Job(
        name=NAME,
        schedule=WeeklyAt(reporting.digest_weekday, reporting.digest_time, policy.timezone),
        work=_work,
        description="Posts the leaders' weekly digest (aggregates only) and its chart",
    )
