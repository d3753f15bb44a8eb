"""The week a leaders' report covers: an ISO week in the trust's time zone, with the UTC
boundaries of it and of the twelve weeks before it (the trend the digest draws)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.digest_figures import WEEKS

WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")


class BadWeek(ValueError):
    """A week that is not an ISO week such as 2026-W49 (the message says so)."""


@dataclass(frozen=True)
class ReportedWeek:
    key: str
    first_day: date  # Monday, local
    boundaries: tuple[datetime, ...]  # UTC: start of each of the 13 weeks, then the end

    @property
    def start(self) -> datetime:
        return self.boundaries[-2]

    @property
    def end(self) -> datetime:
        return self.boundaries[-1]

    @property
    def window_start(self) -> datetime:
        return self.boundaries[0]


def reported_week(key: str, timezone: str) -> ReportedWeek:
    """The ISO week `key` (e.g. 2026-W49) in the trust's time zone; BadWeek if malformed."""
    found = WEEK_KEY.match(key.strip())
    if not found:
        raise BadWeek(f"{key!r} is not an ISO week such as 2026-W49")
    try:
        monday = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
    except ValueError:
        raise BadWeek(f"{key!r} is not a week of that year") from None
    zone = ZoneInfo(timezone)
    days = [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS + 1)]
    boundaries = tuple(datetime.combine(d, time(0), zone).astimezone(UTC) for d in days)
    return ReportedWeek(key.strip(), monday, boundaries)


def last_full_week(now: datetime, timezone: str) -> str:
    """The ISO week before the one `now` falls in, where the trust is."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    year, week, _ = (today - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"
