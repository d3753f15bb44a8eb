"""After closure: when the detriment check-in is due, and what a learning summary may say.

Plain values in and out. The check-in goes out at 10:00 trust time on the day N weeks after
closure, moved to the next working day when that is a weekend or bank holiday: a question
about being treated worse should not land at night or on a Sunday.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.clock import on_a_working_day

CHECKIN_QUESTION = "Since speaking up, have you been treated worse because of it?"
CHECKIN_AT = time(10)
# A check-in whose day passed longer ago than this is never sent: after a long outage, or
# for concerns closed before check-ins were turned on, a question weeks late helps nobody.
CATCH_UP_LIMIT = timedelta(days=28)


class CheckinAnswer(StrEnum):
    YES = "yes"
    NO = "no"


def checkin_due_at(closed_at: datetime, weeks: int, timezone: str) -> datetime:
    """When the check-in for a concern closed at `closed_at` is due (UTC)."""
    zone = ZoneInfo(timezone)
    day = closed_at.astimezone(zone).date() + timedelta(weeks=weeks)
    moment = datetime.combine(day, CHECKIN_AT, tzinfo=zone).astimezone(UTC)
    return on_a_working_day(moment, timezone, CHECKIN_AT)


def closed_between(now: datetime, weeks: int) -> tuple[datetime, datetime]:
    """The closing times whose check-in can be due at `now` (a superset: callers check each
    with checkin_due_at). A day either side covers the local 10:00 and a clock change; the
    working-day shift is at most a few days later."""
    span = timedelta(weeks=weeks)
    return now - span - CATCH_UP_LIMIT - timedelta(days=6), now - span + timedelta(days=1)


def checkin_is_due(closed_at: datetime, weeks: int, timezone: str, now: datetime) -> bool:
    due = checkin_due_at(closed_at, weeks, timezone)
    return due <= now < due + CATCH_UP_LIMIT


# What a learning summary must not carry: it is posted where anyone in the channel reads it.
_IDENTIFYING = (
    (re.compile(r"\b(?:SU|SG)-[0-9A-Z]{4,}\b", re.IGNORECASE), "a concern reference"),
    (re.compile(r"<[@#!]|\b[UW][A-Z0-9]{6,}\b"), "a mention or a Slack user id"),
    (
        re.compile(
            r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|"
            r"nov|dec)[a-z]*\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+"
            r"\d{1,2}(?:st|nd|rd|th)?\b|\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b|"
            r"\b\d{4}-\d{2}-\d{2}\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b",
            re.IGNORECASE,
        ),
        "a date or day finer than a month",
    ),
)

LEARNING_HELP = (
    "Posted in the learning channel for everyone there, once a second guardian approves it. "
    "Say what was raised and what changed, in general terms. No reference, no names, no site, "
    "team or staff group, no dates finer than a month: nothing that could identify the case "
    "or the person who spoke up."
)


def learning_text_problem(text: str) -> str | None:
    """Why a learning summary cannot be posted as written, or None."""
    for pattern, what in _IDENTIFYING:
        if pattern.search(text):
            return f"Take out {what}: the summary must not identify the case. {LEARNING_HELP}"[:300]
    return None


def month_label(moment: datetime, timezone: str) -> str:
    """The only date a learning post carries."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%B %Y")
