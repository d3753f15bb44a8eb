"""The quarterly return, posted as a CSV file to the guardians' channel once per quarter, on
the first working day after the quarter ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.policy import Policy
from bot.domain.schedules import Period, QuarterlyAt
from bot.flows import effects
from bot.flows.context import AppContext
from bot.flows.quarterly_return import quarterly_csv, return_filename
from bot.jobs.runner import Job

NAME = "quarterly_return"


def _work(session: Session, context: AppContext, period: Period, now: datetime) -> str:
    financial_year, quarter_text = period.key.split("-Q")
    quarter = int(quarter_text)
    text = quarterly_csv(session, context.policy, financial_year, quarter)
    queued = effects.queue_channel_file(
        session,
        key=f"quarterly_return:{period.key}",
        channel=context.router.guardian_channel,
        filename=return_filename(financial_year, quarter),
        title=f"Quarterly speak-up return, {financial_year} Q{quarter}",
        render=effects.FileRender.TEXT,
        source=text,
        now=now,
    )
    return f"return for {period.key} {'queued' if queued else 'already queued'}"


def quarterly_return_job(policy: Policy) -> Job:
    return Job(
        name=NAME,
        schedule=QuarterlyAt(policy.reporting.quarterly_time, policy.timezone),
        work=_work,
        description="Posts the quarterly return (CSV) to the guardians' channel",
    )
