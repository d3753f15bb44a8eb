"""The detriment check-in: every quarter of an hour, ask each reachable reporter whose
concern closed N weeks ago (SPEAKUP_DETRIMENT_CHECKIN_WEEKS) whether they have been treated
worse for speaking up.

Which concerns are due is read from the data, not from the period: a period missed while
every replica was down is caught up by the next, and a concern already asked is never asked
again (bot.flows.aftercare marks it in the same transaction as the queued DM).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.policy import Policy
from bot.domain.schedules import EveryMinutes, Period
from bot.flows.aftercare import ask_due_checkins
from bot.flows.context import AppContext
from bot.jobs import runner
from bot.jobs.runner import Job

NAME = "detriment_checkin"
EVERY_MINUTES = 15
KEEP_RUNS = timedelta(days=2)


def _work(session: Session, context: AppContext, period: Period, now: datetime) -> str:
    asked = ask_due_checkins(session, context.vault, context.policy, now)
    runner.forget_finished(session, NAME, before=now - KEEP_RUNS)
    return f"{asked} reporters asked"


def detriment_checkin_job(policy: Policy) -> Job | None:
    """The job, or None when check-ins are turned off (0 weeks)."""
    if policy.aftercare.checkin_weeks <= 0:
        return None
    return Job(
        name=NAME,
        schedule=EveryMinutes(EVERY_MINUTES),
        work=_work,
        description=f"Asks reporters about detriment {policy.aftercare.checkin_weeks} weeks "
        "after closure",
    )
