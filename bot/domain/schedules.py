"""When a scheduled job is due: each schedule names the latest period that has begun.

A period is a string key (unique per job) and the moment it began. The runner claims the
latest begun period of each job, so a period missed while every replica was down is caught
up once when one comes back, and never twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain.clock import is_working_day


@dataclass(frozen=True)
class Period:
    key: str  # unique per job: what the claim is taken on
    starts_at: datetime  # UTC: when the period began (when its run became due)


class Schedule(Protocol):
    def latest(self, now: datetime) -> Period:
        """The latest period that has begun at `now` (an aware datetime)."""
        ...

    def describe(self) -> str:
        """The schedule in words, in the trust's local time."""
        ...


@dataclass(frozen=True)
class EveryMinutes:
    minutes: int

    def latest(self, now: datetime) -> Period:
        utc = now.astimezone(UTC)
        slot = (utc.hour * 60 + utc.minute) // self.minutes * self.minutes
        start = datetime.combine(utc.date(), time(slot // 60, slot % 60), UTC)
        return Period(start.strftime("%Y-%m-%dT%H:%M"), start)

    def describe(self) -> str:
        return "every minute" if self.minutes == 1 else f"every {self.minutes} minutes"


def _local_start(day: date, at: time, timezone: str) -> datetime:
    # zoneinfo resolves a wall time that a clock change skips or repeats (fold=0: the first).
    return datetime.combine(day, at, ZoneInfo(timezone)).astimezone(UTC)


@dataclass(frozen=True)
class DailyAt:
    """Every day at a local time (safeguarding never waits for Monday)."""

    at: time
    timezone: str
    working_days_only: bool = False

    def _counts(self, day: date) -> bool:
        return is_working_day(day) if self.working_days_only else True

    def latest(self, now: datetime) -> Period:
        day = now.astimezone(ZoneInfo(self.timezone)).date()
        for _ in range(30):  # the longest run of non-working days is far shorter
            start = _local_start(day, self.at, self.timezone)
            if start <= now and self._counts(day):
                return Period(day.isoformat(), start)
            day -= timedelta(days=1)
        raise ValueError("no working day in the last 30 days")

    def describe(self) -> str:
        days = "working days" if self.working_days_only else "every day"
        return f"{days} at {self.at:%H:%M} ({self.timezone})"


@dataclass(frozen=True)
class WeeklyAt:
    """Once an ISO week, on a weekday (0 = Monday) at a local time; the key names the week
    that has just ended, the one the run reports on."""

    weekday: int
    at: time
    timezone: str

    def latest(self, now: datetime) -> Period:
        today = now.astimezone(ZoneInfo(self.timezone)).date()
        day = today - timedelta(days=(today.weekday() - self.weekday) % 7)
        start = _local_start(day, self.at, self.timezone)
        if start > now:
            day -= timedelta(days=7)
            start = _local_start(day, self.at, self.timezone)
        reported = day - timedelta(days=7)
        year, week, _ = reported.isocalendar()
        return Period(f"{year}-W{week:02d}", start)

    def describe(self) -> str:
        name = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays",
                "Sundays")[self.weekday]  # fmt: skip
        return f"{name} at {self.at:%H:%M} ({self.timezone})"


def quarter_of(day: date) -> tuple[str, int]:
    """The UK financial year ("2026/27") and quarter (1 = April to June) a day falls in."""
    start_year = day.year if day.month >= 4 else day.year - 1
    quarter = ((day.month - 4) % 12) // 3 + 1
    return f"{start_year}/{(start_year + 1) % 100:02d}", quarter


def quarter_bounds(financial_year: str, quarter: int) -> tuple[date, date]:
    """First day and the day after the last day of a financial-year quarter."""
    start_year = int(financial_year.split("/")[0])
    month = 4 + (quarter - 1) * 3
    year = start_year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    first = date(year, month, 1)
    end_month = month + 3
    end = date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return first, end


@dataclass(frozen=True)
class QuarterlyAt:
    """On the first working day after each financial-year quarter ends, at a local time; the
    key names the quarter that ended."""

    at: time
    timezone: str

    def latest(self, now: datetime) -> Period:
        today = now.astimezone(ZoneInfo(self.timezone)).date()
        fy, quarter = quarter_of(today)
        first, _ = quarter_bounds(fy, quarter)
        for _ in range(3):
            day = first
            while not is_working_day(day):
                day += timedelta(days=1)
            start = _local_start(day, self.at, self.timezone)
            ended_fy, ended_q = quarter_of(first - timedelta(days=1))
            if start <= now:
                return Period(f"{ended_fy}-Q{ended_q}", start)
            first = quarter_bounds(ended_fy, ended_q)[0]
        raise ValueError("unreachable: a quarter began within the last nine months")

    def describe(self) -> str:
        return f"first working day of each quarter at {self.at:%H:%M} ({self.timezone})"
