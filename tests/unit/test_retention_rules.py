"""When a concern's content is due for destruction: whole years after closure on the trust's
calendar, never a day early, across summer time and leap days; held or unset means never."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.retention import RetentionRules, destruction_due, is_due, shred_month

RULES = RetentionRules(timezone="Europe/London")


def due(closed_at: datetime, *, kind: str = "speak_up", outcome: str | None = "action_taken",
        held: bool = False, rules: RetentionRules = RULES) -> datetime | None:  # fmt: skip
    return destruction_due(kind=kind, outcome=outcome, closed_at=closed_at, held=held, rules=rules)


def test_speak_up_content_goes_at_the_start_of_the_day_after_its_tenth_anniversary() -> None:
    closed = datetime(2016, 3, 10, 14, 0, tzinfo=UTC)  # GMT
    assert due(closed) == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
    assert not is_due(due(closed), datetime(2026, 3, 10, 23, 59, tzinfo=UTC))
    assert is_due(due(closed), datetime(2026, 3, 11, 0, 0, tzinfo=UTC))


def test_a_closure_late_on_a_summer_evening_counts_on_the_local_calendar() -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London: the local day is the 1st.
    closed = datetime(2016, 6, 30, 23, 30, tzinfo=UTC)
    # Due at local midnight starting 2 July 2026, which is 23:00 UTC on 1 July (BST).
    assert due(closed) == datetime(2026, 7, 1, 23, 0, tzinfo=UTC)


def test_a_winter_closure_due_in_summer_time_is_never_early() -> None:
    closed = datetime(2016, 3, 26, 12, 0, tzinfo=UTC)  # GMT; 26 March 2026 is still GMT
    assert due(closed) == datetime(2026, 3, 27, 0, 0, tzinfo=UTC)
    closed = datetime(2016, 3, 29, 0, 30, tzinfo=UTC)  # 29 March 2026 is BST
    assert due(closed) == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)  # 00:00 BST on the 30th


def test_a_leap_day_closure_is_due_the_day_after_1_march_when_the_year_has_no_29_february() -> None:
    closed = datetime(2016, 2, 29, 12, 0, tzinfo=UTC)
    assert due(closed) == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 1 March + one day
    every_four = RetentionRules(timezone="Europe/London", speak_up_years=8)
    assert due(closed, rules=every_four) == datetime(2024, 3, 1, 0, 0, tzinfo=UTC)  # 29 Feb 2024


def test_open_held_and_unset_concerns_have_no_due_date() -> None:
    closed = datetime(2016, 3, 10, 14, 0, tzinfo=UTC)
    assert (
        destruction_due(kind="speak_up", outcome=None, closed_at=None, held=False, rules=RULES)
        is None
    )
    assert due(closed, held=True) is None
    assert due(closed, kind="safeguarding") is None  # no default for safeguarding
    assert not is_due(None, datetime(2100, 1, 1, tzinfo=UTC))


def test_periods_by_kind_and_outcome() -> None:
    rules = RetentionRules(
        timezone="Europe/London",
        speak_up_years=10,
        safeguarding_years=25,
        by_outcome=(("speak_up", "withdrawn", 6),),
    )
    closed = datetime(2016, 3, 10, 14, 0, tzinfo=UTC)
    assert due(closed, outcome="withdrawn", rules=rules) == datetime(2022, 3, 11, tzinfo=UTC)
    assert due(closed, outcome="not_upheld", rules=rules) == datetime(2026, 3, 11, tzinfo=UTC)
    assert due(closed, kind="safeguarding", rules=rules) == datetime(2041, 3, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("due_at", "now", "expected"),
    [
        (datetime(2036, 3, 11, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC), "2036-03"),
        # Due this month or earlier: kept under the ring, destroyed by the next run.
        (datetime(2026, 3, 30, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC), None),
        (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC), None),
        # 23:30 UTC on 31 March 2036 is already April in London.
        (datetime(2036, 3, 31, 23, 30, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC), "2036-04"),
        (None, datetime(2026, 3, 10, tzinfo=UTC), None),
    ],
)
def test_the_shred_month_is_the_local_month_due_and_always_after_this_one(
    due_at: datetime | None, now: datetime, expected: str | None
) -> None:
    assert shred_month(due_at, now=now, timezone="Europe/London") == expected
