"""The clock in each process: APScheduler ticks the runner every minute.

APScheduler 3 cannot share a job store between processes, so it only keeps time here; which
process runs a period is decided by the runner's claim in the database (bot.jobs.runner).
"""

from __future__ import annotations

from collections.abc import Sequence

from apscheduler.schedulers.background import BackgroundScheduler

from bot.domain.policy import Policy
from bot.flows.context import AppContext
from bot.jobs import runner
from bot.jobs.delivery_alarms import delivery_alarms_job
from bot.jobs.detriment_checkin import detriment_checkin_job
from bot.jobs.escalation import ESCALATION
from bot.jobs.guardian_digest import guardian_digest_job
from bot.jobs.housekeeping import HOUSEKEEPING
from bot.jobs.leaders_digest import leaders_digest_job
from bot.jobs.quarterly_return import quarterly_return_job
from bot.jobs.retention import retention_job
from bot.jobs.runner import Job
from bot.jobs.safeguarding_digest import safeguarding_digest_job
from bot.jobs.sla_sweep import SLA_SWEEP, due_times_recheck

TICK_SECONDS = 60


def all_jobs(policy: Policy) -> list[Job]:
    """Every scheduled job, in the order a tick runs them (schedules come from the policy)."""
    jobs = [
        delivery_alarms_job(policy),
        due_times_recheck(policy.timescales),
        SLA_SWEEP,
        ESCALATION,
        HOUSEKEEPING,
        guardian_digest_job(policy),
        leaders_digest_job(policy),
        quarterly_return_job(policy),
        retention_job(policy),
    ]
    if policy.safeguarding_on:
        jobs.append(safeguarding_digest_job(policy))
    if checkin := detriment_checkin_job(policy):
        jobs.append(checkin)
    return jobs


def start_scheduler(
    context: AppContext, owner: str, jobs: Sequence[Job] | None = None
) -> BackgroundScheduler:
    """Tick now (catching up anything missed while down) and then every minute."""
    chosen = list(jobs) if jobs is not None else all_jobs(context.policy)
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        lambda: runner.tick(context, chosen, owner=owner),
        "interval",
        seconds=TICK_SECONDS,
        next_run_time=context.now(),
        coalesce=True,
        max_instances=1,
        id="tick",
    )
    scheduler.start()
    return scheduler
