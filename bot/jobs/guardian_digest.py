"""The guardians' digest: working days at 08:30 (configurable), what needs them today."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.policy import Policy
from bot.domain.schedules import DailyAt, Period
from bot.flows import effects
from bot.flows.context import AppContext
from bot.flows.digests import Audience, guardians_digest
from bot.jobs.runner import Job

NAME = "guardian_digest"


def _work(session: Session, context: AppContext, period: Period, now: datetime) -> str:
    digest = guardians_digest(session, context.policy, now)
    effects.queue_digest(
        session,
        digest=Audience.GUARDIANS,
        period=period.key,
        channel=context.router.guardian_channel,
        payload=digest.to_payload(),
        now=now,
    )
    return f"{digest.count} concerns listed"


def guardian_digest_job(policy: Policy) -> Job:
    return Job(
        name=NAME,
        schedule=DailyAt(policy.digests.guardians_at, policy.timezone, working_days_only=True),
        work=_work,
        description="The guardians' daily digest in their channel",
    )
