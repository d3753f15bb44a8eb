"""`speakup digest leaders` and `speakup export quarterly`: the reports, by hand."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from bot.domain.clock import utcnow
from bot.domain.reporting_week import BadWeek, last_full_week, reported_week
from bot.domain.schedules import Period
from bot.flows.leaders_digest import weekly_leaders_digest
from bot.flows.quarterly_return import BadQuarter, parse_quarter, quarterly_csv
from bot.jobs.leaders_digest import leaders_digest_job
from bot.jobs.runner import new_owner, run_period
from bot.runtime.context import build_context, policy_from
from bot.runtime.settings import Settings
from bot.slack.digest_chart import render_chart
from bot.slack.leaders_digest import digest_blocks, digest_text
from storage.db import Database


class ReportError(Exception):
    """A bad week, quarter or setting: printed as one line."""


def add_parsers(sub: Any) -> None:
    digest = sub.add_parser("digest", help="the leaders' weekly digest")
    digest_sub = digest.add_subparsers(dest="digest_command", required=True)
    leaders = digest_sub.add_parser("leaders", help="render or post the leaders' digest")
    leaders.add_argument("--dry-run", action="store_true", help="print it; post nothing")
    leaders.add_argument("--week", help="ISO week reported, e.g. 2026-W49 (default: last week)")


def add_quarterly_parser(export_sub: Any) -> None:
    quarterly = export_sub.add_parser("quarterly", help="the quarterly return (CSV)")
    quarterly.add_argument("financial_year", help="e.g. 2026/27")
    quarterly.add_argument("quarter", help="Q1 (April to June) to Q4")
    quarterly.add_argument("--out", help="write the CSV to this file instead of printing it")


def digest_leaders(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    policy = policy_from(settings)
    now = utcnow()
    try:
        week = reported_week(args.week or last_full_week(now, policy.timezone), policy.timezone)
    except BadWeek as exc:
        raise ReportError(str(exc)) from None
    if args.dry_run:
        with db.transaction() as session:
            digest = weekly_leaders_digest(session, policy, week)
        chart = Path(tempfile.gettempdir()) / f"leaders-digest-{week.key}.png"
        chart.write_bytes(render_chart(digest))
        print(json.dumps({"blocks": digest_blocks(digest)}, indent=2, ensure_ascii=False))
        print()
        print(digest_text(digest))
        print()
        print(f"chart: {chart}")
        return 0
    if not policy.reporting.leaders_channel:
        raise ReportError("SPEAKUP_LEADERS_CHANNEL is not set: give the leaders' channel id (C…)")
    context = build_context(settings, db)
    job = leaders_digest_job(policy)
    result = run_period(context, job, Period(week.key, week.end), owner=new_owner(), now=now)
    if result.ran:
        print(f"{result.note}; the running service delivers it")
    else:
        print(f"the digest for {week.key} was already posted (or is being posted)")
    return 0


def export_quarterly(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    try:
        financial_year, quarter = parse_quarter(args.financial_year, args.quarter)
    except BadQuarter as exc:
        raise ReportError(str(exc)) from None
    with db.transaction() as session:
        text = quarterly_csv(session, policy_from(settings), financial_year, quarter)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0
