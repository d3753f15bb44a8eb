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


def picked_moment(day: date, now: datetime, timezone: str) -> datetime:
    """A day someone picked, as a moment: now if it is today, else midday local time (so a
    clock started from it never starts in the future)."""
    if day == local_today(now, timezone):
        return now
    return datetime.combine(day, time(12), ZoneInfo(timezone)).astimezone(UTC)


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


def _local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A local day's start and the next day's start, as UTC (23 or 25 hours at a clock change)."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def _working_stretches(
    start: datetime, end: datetime, timezone: str
) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) that fall on working days, in order, as UTC."""
    zone = ZoneInfo(timezone)
    stretches: list[tuple[datetime, datetime]] = []
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        if is_working_day(day):
            day_start, day_end = _local_day_bounds(day, zone)
            begin, finish = max(start, day_start), min(end, day_end)
            if begin < finish:
                stretches.append((begin, finish))
        day += timedelta(days=1)
    return stretches


def working_point(start: datetime, end: datetime, fraction: float, timezone: str) -> datetime:
    """The moment when `fraction` of the working-day time between `start` and `end` has
    passed: weekends and bank holidays do not count, so the moment is always on a working
    day (or `end` itself when the window holds no working time at all)."""
    stretches = _working_stretches(start, end, timezone)
    total = sum(((finish - begin) for begin, finish in stretches), timedelta())
    if not stretches or total <= timedelta():
        return end
    remaining = total * fraction
    for begin, finish in stretches:
        if remaining <= finish - begin:
            return begin + remaining
        remaining -= finish - begin
    return stretches[-1][1]


def on_a_working_day(moment: datetime, timezone: str, opens: time) -> datetime:
    """`moment` if it falls on a working day, otherwise `opens` (local time) on the next
    working day, as UTC: what waits for the office to open after a weekend or bank holiday."""
    zone = ZoneInfo(timezone)
    day = moment.astimezone(zone).date()
    if is_working_day(day):
        return moment
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
