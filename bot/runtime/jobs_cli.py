"""`speakup jobs list` and `speakup jobs run <job> [--dry-run]`: the scheduled jobs by hand."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot.jobs import runner
from bot.jobs.runner import Job
from bot.jobs.scheduler import all_jobs
from bot.runtime.context import Service
from bot.slack.previews import preview

# Block Kit as the plain text a person would read (the CLI passes the demo's renderer).
RenderMessage = Callable[[Mapping[str, Any]], list[str]]


class UnknownJob(Exception):
    """The message names the jobs there are."""


def find_job(context: Service, name: str) -> Job:
    jobs = {job.name: job for job in all_jobs(context.policy)}
    if name not in jobs:
        raise UnknownJob(f"unknown job {name!r}; the jobs are: {', '.join(jobs)}")
    return jobs[name]


def list_jobs(context: Service) -> list[str]:
    """One line a job: its name, its schedule in the trust's local time, its last period."""
    zone = ZoneInfo(context.policy.timezone)
    jobs = all_jobs(context.policy)
    width = max(len(job.name) for job in jobs)
    lines = []
    for job in jobs:
        last = runner.last_finished(context, job.name)
        done = (
            f"last finished {last[0]} (at {last[1].astimezone(zone):%Y-%m-%d %H:%M})"
            if last
            else "never run"
        )
        lines.append(f"{job.name:<{width}}  {job.schedule.describe()}; {done}")
        if job.description:
            lines.append(f"{'':<{width}}  {job.description}")
    return lines


def run_job(context: Service, name: str, *, dry_run: bool, render: RenderMessage) -> list[str]:
    """Run the job's latest begun period through the same claim the scheduler uses, or with
    `dry_run` show what it would post and change nothing."""
    job = find_job(context, name)
    now = context.now()
    period = job.schedule.latest(now)
    if dry_run:
        lines = [f"{job.name} {period.key}: dry run, nothing is posted or recorded"]
        items = runner.preview(context, job, period, now)
        if not items:
            lines.append("(nothing to post)")
        for item in items:
            shown = preview(context, item.kind, item.concern_id, item.payload)
            lines += [
                "",
                f"--- to {shown.to} ---",
                json.dumps({"text": shown.text, "blocks": shown.blocks}, indent=2),
                "",
                *render({"text": shown.text, "blocks": shown.blocks}),
            ]
        return lines
    result = runner.run_period(context, job, period, owner=f"cli-{uuid.uuid4().hex[:8]}", now=now)
    if result.ran:
        return [
            f"{job.name} {period.key}: ran ({result.note}); a running `speakup serve` delivers "
            "what it queued"
        ]
    state = runner.run_state(context, job.name, period.key)
    if state is not None and state.finished_at is None and state.lease_until is not None:
        until = state.lease_until.astimezone(ZoneInfo(context.policy.timezone))
        return [
            f"{job.name} {period.key}: another process is running it (claimed until {until:%H:%M})"
        ]
    return [f"{job.name} {period.key}: already done, nothing to do"]
