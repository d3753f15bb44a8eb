"""The daily retention run: destroy content past its period, delete shred keys no concern
needs, and purge delivered outbox rows older than 30 days (bot.flows.retention)."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy.orm import Session

from bot.domain.policy import Policy
from bot.domain.schedules import DailyAt, Period
from bot.flows.context import AppContext
from bot.flows.retention import run_retention
from bot.jobs.runner import Job

NAME = "retention"
# In the small hours, local time: nobody is reading a concern that is about to go.
RUN_AT = time(3, 30)


def _work(session: Session, context: AppContext, period: Period, now: datetime) -> str:
    done = run_retention(session, context.vault, context.policy.retention, now=now)
    note = (
        f"{done.destroyed} destroyed, {done.rewrapped} rewrapped, "
        f"{done.outbox_purged} delivered outbox rows purged"
    )
    if done.unreadable:
        note += f", {done.unreadable} left alone: their shred key is missing"
    return note


def retention_job(policy: Policy) -> Job:
    return Job(
        name=NAME,
        schedule=DailyAt(RUN_AT, policy.timezone),
        work=_work,
        description="Destroys content past its retention period; purges old outbox rows",
    )
