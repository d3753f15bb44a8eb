"""Delivery alarms: every minute (configurable), tell people about a channel not taking cards.

The work is bot.flows.delivery_alarms.check_delivery: it reads what waits in the outbox and
queues DMs and an ops post; the runner's claim means one replica does it each minute.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.policy import Policy
from bot.domain.schedules import EveryMinutes, Period
from bot.flows.context import AppContext
from bot.flows.delivery_alarms import check_delivery
from bot.jobs import runner
from bot.jobs.runner import Job

NAME = "delivery_alarms"


# Claims of past minutes are kept this long (for `speakup jobs list`), then forgotten.
KEEP_RUNS = timedelta(days=1)


def _work(session: Session, context: AppContext, period: Period, now: datetime) -> str:
    note = check_delivery(session, context.policy, now).note()
    runner.forget_finished(session, NAME, before=now - KEEP_RUNS)
    return note


def delivery_alarms_job(policy: Policy) -> Job:
    return Job(
        name=NAME,
        schedule=EveryMinutes(policy.alarms.check_minutes),
        work=_work,
        description="Tells the team, its leads and ops when a channel is not taking cards",
    )
