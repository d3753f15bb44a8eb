"""Time and working days (weekends and England & Wales bank holidays skipped)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=8)
def _bank_holidays(year: int) -> frozenset[date]:
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=[year])
    return frozenset(calendar.keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def local_today(now: datetime, timezone: str) -> date:
    """Today's date where the trust is (what a person means by "today")."""
    return now.astimezone(ZoneInfo(timezone)).date()


def add_working_days(start: datetime, days: int, timezone: str) -> datetime:
    """The end of the `days`-th working day after `start`'s local day, as UTC.

    A concern raised on Friday evening with 2 working days is due by the end of Tuesday; the
    local day matters, so the clock runs in the trust's time zone.
    """
    zone = ZoneInfo(timezone)
    day = start.astimezone(zone).date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    end_of_day = datetime.combine(day, time(23, 59, 59), tzinfo=zone)
    return end_of_day.astimezone(UTC)


def add_months(start: datetime, months: int) -> datetime:
    """Same day `months` later, clamped to the month's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError("unreachable: every month has 28 days")
