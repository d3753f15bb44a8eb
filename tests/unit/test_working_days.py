"""Working days: weekends and England & Wales bank holidays skipped, in the trust's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain.clock import add_months, add_working_days, is_working_day, local_today

LONDON = "Europe/London"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 30), True),  # a Monday
        (date(2026, 12, 5), False),  # Saturday
        (date(2026, 12, 6), False),  # Sunday
        (date(2026, 12, 25), False),  # Christmas Day, a Friday
        (date(2026, 12, 28), False),  # Boxing Day falls on Saturday: substitute Monday
        (date(2026, 12, 29), True),
        (date(2027, 1, 1), False),  # New Year's Day
        (date(2027, 3, 26), False),  # Good Friday 2027
        (date(2027, 3, 29), False),  # Easter Monday 2027
        (date(2027, 5, 3), False),  # Early May bank holiday
        (date(2027, 8, 30), False),  # Summer bank holiday (England, not Scotland's)
    ],
)
def test_working_days_skip_weekends_and_bank_holidays(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_friday_evening_plus_two_working_days_is_end_of_tuesday() -> None:
    due = add_working_days(utc(2026, 11, 27, 19, 0), 2, LONDON)
    assert due == utc(2026, 12, 1, 23, 59, 59)  # GMT in winter: local = UTC


def test_christmas_week_pushes_deadlines_past_the_holidays() -> None:
    # Raised Thursday 24 December 2026: Friday 25 and Monday 28 are bank holidays.
    due = add_working_days(utc(2026, 12, 24, 10, 0), 2, LONDON)
    assert due == utc(2026, 12, 30, 23, 59, 59)


def test_new_year_is_skipped() -> None:
    due = add_working_days(utc(2026, 12, 31, 9, 0), 1, LONDON)
    assert due == utc(2027, 1, 4, 23, 59, 59)


def test_easter_weekend_is_skipped() -> None:
    # Thursday before Good Friday 2027: Friday, the weekend and Easter Monday are skipped.
    due = add_working_days(utc(2027, 3, 25, 12, 0), 1, LONDON)
    assert due == utc(2027, 3, 30, 22, 59, 59)  # BST by then: 23:59:59 local is 22:59:59 UTC


def test_the_local_day_decides_when_utc_is_still_yesterday() -> None:
    # 23:30 UTC on Sunday 28 March 2027 is already Monday 00:30 in London (BST began).
    start = utc(2027, 3, 28, 23, 30)
    assert local_today(start, LONDON) == date(2027, 3, 29)
    # Monday 29 March is Easter Monday; the next working day is Tuesday 30.
    assert add_working_days(start, 1, LONDON) == utc(2027, 3, 30, 22, 59, 59)


def test_deadline_across_the_autumn_clock_change_ends_at_local_midnight() -> None:
    # Clocks go back on Sunday 25 October 2026; a Friday concern is due end of Tuesday, GMT.
    due = add_working_days(utc(2026, 10, 23, 12, 0), 2, LONDON)
    assert due == utc(2026, 10, 27, 23, 59, 59)


def test_add_months_clamps_to_the_last_day() -> None:
    assert add_months(utc(2026, 11, 30, 9), 3) == utc(2027, 2, 28, 9)
    assert add_months(utc(2027, 11, 30, 9), 3) == utc(2028, 2, 29, 9)  # leap year
    assert add_months(utc(2026, 1, 15, 9), 12) == utc(2027, 1, 15, 9)
