"""Schedules: the latest begun period, across weekends, bank holidays and clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.domain.schedules import (
    DailyAt,
    EveryMinutes,
    QuarterlyAt,
    WeeklyAt,
    quarter_bounds,
    quarter_of,
)

LONDON = "Europe/London"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_every_ten_minutes_keys_by_slot() -> None:
    period = EveryMinutes(10).latest(utc(2026, 11, 30, 8, 17, 59))
    assert period.key == "2026-11-30T08:10"
    assert period.starts_at == utc(2026, 11, 30, 8, 10)


def test_daily_before_its_time_is_still_yesterday() -> None:
    daily = DailyAt(time(8, 0), LONDON)
    assert daily.latest(utc(2026, 11, 30, 7, 59)).key == "2026-11-29"
    assert daily.latest(utc(2026, 11, 30, 8, 0)).key == "2026-11-30"


def test_daily_at_eight_follows_british_summer_time() -> None:
    daily = DailyAt(time(8, 0), LONDON)
    # In summer 08:00 London is 07:00 UTC.
    assert daily.latest(utc(2027, 6, 1, 7, 0)).starts_at == utc(2027, 6, 1, 7, 0)
    # The day the clocks go forward (28 March 2027) still has one 08:00.
    assert daily.latest(utc(2027, 3, 28, 7, 30)).key == "2027-03-28"


def test_working_days_only_skips_weekends_and_bank_holidays() -> None:
    digest = DailyAt(time(8, 30), LONDON, working_days_only=True)
    # Monday 28 December 2026 is a substitute bank holiday: the latest run is Thursday 24th.
    assert digest.latest(utc(2026, 12, 28, 12, 0)).key == "2026-12-24"
    assert digest.latest(utc(2026, 12, 29, 9, 0)).key == "2026-12-29"


def test_weekly_names_the_week_that_ended() -> None:
    weekly = WeeklyAt(0, time(9, 0), LONDON)
    # Monday 7 December 2026 09:00 reports on ISO week 49 (30 Nov to 6 Dec).
    assert weekly.latest(utc(2026, 12, 7, 9, 0)).key == "2026-W49"
    assert weekly.latest(utc(2026, 12, 7, 8, 59)).key == "2026-W48"
    # Over New Year: Monday 4 January 2027 reports on 2026-W53.
    assert weekly.latest(utc(2027, 1, 4, 10, 0)).key == "2026-W53"


def test_financial_quarters() -> None:
    assert quarter_of(date(2026, 4, 1)) == ("2026/27", 1)
    assert quarter_of(date(2026, 9, 30)) == ("2026/27", 2)
    assert quarter_of(date(2027, 1, 2)) == ("2026/27", 4)
    assert quarter_of(date(2027, 3, 31)) == ("2026/27", 4)
    assert quarter_bounds("2026/27", 4) == (date(2027, 1, 1), date(2027, 4, 1))
    assert quarter_bounds("2026/27", 1) == (date(2026, 4, 1), date(2026, 7, 1))


def test_quarterly_runs_on_the_first_working_day_after_the_quarter() -> None:
    quarterly = QuarterlyAt(time(9, 0), LONDON)
    # 1 January 2027 is a bank holiday; 2-3 are a weekend: Q3 is posted on Monday 4th.
    assert quarterly.latest(utc(2027, 1, 3, 12, 0)).key == "2026/27-Q2"
    assert quarterly.latest(utc(2027, 1, 4, 9, 0)).key == "2026/27-Q3"
