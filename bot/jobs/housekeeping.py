"""Housekeeping every few minutes: forget what is kept only for a short while.

No-contact submissions are remembered only for the replay window, and handled Slack
deliveries for a day; this makes sure they go even when nothing new arrives to prune them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.schedules import EveryMinutes, Period
from bot.flows import dedupe
from bot.flows.context import AppContext
from bot.jobs.runner import Job


def _work(session: Session, context: AppContext, period: Period, now: datetime) -> str:
    return f"{dedupe.prune(session, now=now)} records forgotten"


HOUSEKEEPING = Job(
    name="housekeeping",
    schedule=EveryMinutes(5),
    work=_work,
    description="Forgets replay-window and delivery records once they have served",
)
