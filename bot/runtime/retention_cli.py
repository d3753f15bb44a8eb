"""`speakup retention report`: what the daily retention job would destroy, and when.

A dry run: nothing is changed or recorded. Content-free (references, kinds and dates only).
"""

from __future__ import annotations

from typing import Any

from bot.domain.clock import utcnow
from bot.flows.retention import RetentionLine, RetentionReport, retention_report
from bot.runtime.context import policy_from
from bot.runtime.settings import Settings
from storage.db import Database
from storage.shred_keys import ShredKeys

SAFEGUARDING_UNSET = (
    "Safeguarding: no retention period is set (SPEAKUP_RETENTION_SAFEGUARDING_YEARS), so no "
    "safeguarding concern is destroyed until the trust's records policy sets one."
)


def add_parser(sub: Any) -> None:
    retention = sub.add_parser("retention", help="retention periods and content destruction")
    retention_sub = retention.add_subparsers(dest="retention_command", required=True)
    retention_sub.add_parser("report", help="dry run: what would be destroyed, and when")


def _line(line: RetentionLine, timezone: str) -> str:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    closed = line.closed_at.astimezone(zone).date().isoformat()
    if line.held:
        due = "held (legal hold)"
    elif line.due is None:
        due = "no period set"
    else:
        due = "due " + line.due.astimezone(zone).date().isoformat()
    return f"{line.reference:<12} {line.kind:<13} closed {closed}  {due}"


def describe(report: RetentionReport, timezone: str) -> list[str]:
    held = sum(1 for line in report.lines if line.held)
    unset = sum(1 for line in report.lines if line.due is None and not line.held)
    lines = [
        f"{len(report.due_now)} would be destroyed by the next run; "
        f"{len(report.lines) - len(report.due_now) - held - unset} due later; {held} held; "
        f"{unset} with no period set; {report.destroyed_already} destroyed already.",
    ]
    if report.due_now:
        lines.append("Would be destroyed by the next run:")
        lines += ["  " + _line(line, timezone) for line in report.due_now]
    later = [line for line in report.lines if line not in report.due_now]
    if later:
        lines.append("Closed and kept:")
        lines += ["  " + _line(line, timezone) for line in later]
    if not report.safeguarding_period_set:
        lines.append(SAFEGUARDING_UNSET)
    if report.missing_months:
        lines.append(
            "WARNING: concerns are wrapped under shred keys missing from SPEAKUP_SHRED_KEY_DIR "
            f"({', '.join(report.missing_months)}): they cannot be opened. Is the directory right?"
        )
    return lines


def retention_report_command(settings: Settings, db: Database) -> int:
    policy = policy_from(settings)
    try:
        with db.transaction() as session:
            report = retention_report(
                session, policy.retention, ShredKeys(settings.shred_key_dir()), now=utcnow()
            )
    finally:
        db.dispose()
    print("\n".join(describe(report, policy.timezone)))
    return 0
