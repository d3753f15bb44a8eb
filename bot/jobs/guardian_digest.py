"""The guardians' digest: working days at 08:30 (configurable), what needs them today."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.policy import Policy
from bot.domain.schedules import DailyAt, Period
from bot.flows.context import AppContext
from bot.flows.digests import guardians_digest
from bot.jobs.runner import Job
from bot.jobs.team_digest import queue_team_digest

NAME = "guardian_digest"


def _work(session: Session, context: AppContext, period: Period, now: datetime) -> str:
    digest = guardians_digest(session, context.policy, now)
    return queue_team_digest(
        session, digest, channel=context.router.guardian_channel, period=period, now=now
    )


def guardian_digest_job(policy: Policy) -> Job:
    return Job(
        name=NAME,
        schedule=DailyAt(policy.digests.guardians_at, policy.timezone, working_days_only=True),
        work=_work,
        description="The guardians' daily digest in their channel",
    )
