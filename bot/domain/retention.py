"""How long a concern's content is kept after it closes, and when it is due for destruction.

Periods are whole calendar years after closure, counted on the trust's local calendar, and
a concern is destroyed at the start of the local day *after* its anniversary: never a day
early, whatever the clock does (summer time, a leap day). A closure on 29 February is due on
1 March of its anniversary year when that year has no 29 February, which is again the later
choice. A legal hold, an open concern, or a kind with no period set means no due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.taxonomy import ConcernKind

DEFAULT_SPEAK_UP_YEARS = 10


@dataclass(frozen=True)
class RetentionRules:
    """Years content is kept after closure, by kind, with overrides by outcome.

    `None` for a kind means the trust has not set a period: nothing of it is destroyed.
    """

    timezone: str = "Europe/London"
    speak_up_years: int | None = DEFAULT_SPEAK_UP_YEARS
    safeguarding_years: int | None = None
    # (kind, outcome, years): e.g. withdrawn speak-up concerns kept for fewer years.
    by_outcome: tuple[tuple[str, str, int], ...] = ()

    def years_for(self, kind: str, outcome: str | None) -> int | None:
        for rule_kind, rule_outcome, years in self.by_outcome:
            if rule_kind == kind and rule_outcome == outcome:
                return years
        if kind == ConcernKind.SAFEGUARDING:
            return self.safeguarding_years
        return self.speak_up_years


def _anniversary(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one: the later day, 1 March
        return date(day.year + years, 3, 1)


def destruction_due(
    *,
    kind: str,
    outcome: str | None,
    closed_at: datetime | None,
    held: bool,
    rules: RetentionRules,
) -> datetime | None:
    """When the concern's content is due for destruction (UTC), or None: still open, held, or
    no period set for its kind."""
    if closed_at is None or held:
        return None
    years = rules.years_for(kind, outcome)
    if years is None:
        return None
    zone = ZoneInfo(rules.timezone)
    closed_day = closed_at.astimezone(zone).date()
    due_day = _anniversary(closed_day, years) + timedelta(days=1)
    return datetime.combine(due_day, time(0), tzinfo=zone).astimezone(UTC)


def is_due(due: datetime | None, now: datetime) -> bool:
    return due is not None and due <= now


def month_of(moment: datetime, timezone: str) -> str:
    """The local calendar month ("2036-03") a moment falls in: the shred key's name."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m")


def shred_month(due: datetime | None, *, now: datetime, timezone: str) -> str | None:
    """The month whose shred key should wrap a concern due at `due`, or None to keep it under
    the key ring alone. Only months after the current one are used, so a month's key is never
    created while the retention job may be deleting it (it deletes months up to this one)."""
    if due is None:
        return None
    month = month_of(due, timezone)
    return month if month > month_of(now, timezone) else None
