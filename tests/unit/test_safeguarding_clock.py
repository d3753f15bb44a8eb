"""Safeguarding runs on elapsed hours, 24/7, by urgency; speak-up keeps working days."""

from __future__ import annotations

import inspect
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import on_a_working_day, working_point
from bot.domain.deadlines import (
    CONFIRM_NO_REFERRAL,
    RECORD_REFERRAL,
    ConcernClock,
    DeadlineKey,
    Timescales,
    acknowledge_by,
    deadlines,
    duration_words,
    refer_by,
    within_words,
)
from bot.domain.taxonomy import ConcernKind, Status

LONDON = "Europe/London"
SCALES = Timescales(timezone=LONDON, update_interval_days=14, feedback_months=3)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(LONDON)).astimezone(UTC)


THURSDAY_6PM = utc(2026, 12, 3, 18, 0)  # GMT in winter: local time is UTC
THURSDAY_7PM = utc(2026, 12, 3, 19, 0)


# The facts the clock reads, as ConcernClock lists them: a fact added there is one here too.
CLOCK_FACTS = {
    name for name, _ in inspect.getmembers(ConcernClock, lambda m: isinstance(m, property))
}
URGENT_SAFEGUARDING_RAISED = {
    "kind": ConcernKind.SAFEGUARDING,
    "status": Status.RECEIVED,
    "urgent": True,
    "created_at": THURSDAY_6PM,
    "ack_due_at": THURSDAY_7PM,
}


def clock(**facts: object) -> SimpleNamespace:
    """A concern's clock facts as a stored concern has them: urgent safeguarding raised on
    Thursday evening, and nothing done since but what `facts` say."""
    given = URGENT_SAFEGUARDING_RAISED | facts
    assert given.keys() <= CLOCK_FACTS, given.keys() - CLOCK_FACTS
    return SimpleNamespace(**dict.fromkeys(CLOCK_FACTS) | given)


def test_a_child_in_danger_on_thursday_evening_is_due_that_evening_not_tuesday() -> None:
    assert acknowledge_by("safeguarding", True, THURSDAY_6PM, SCALES) == utc(2026, 12, 3, 19, 0)
    assert refer_by(True, THURSDAY_6PM, SCALES) == utc(2026, 12, 3, 22, 0)


def test_other_safeguarding_is_due_within_24_hours_even_over_a_weekend() -> None:
    friday_evening = utc(2026, 12, 4, 18, 0)
    assert acknowledge_by("safeguarding", False, friday_evening, SCALES) == utc(2026, 12, 5, 18, 0)
    assert refer_by(False, friday_evening, SCALES) == utc(2026, 12, 5, 18, 0)


def test_bank_holidays_change_nothing_for_safeguarding() -> None:
    christmas_morning = utc(2026, 12, 25, 9, 0)
    assert acknowledge_by("safeguarding", True, christmas_morning, SCALES) == utc(2026, 12, 25, 10)
    assert refer_by(True, christmas_morning, SCALES) == utc(2026, 12, 25, 13, 0)


def test_speak_up_keeps_working_days() -> None:
    # Thursday evening + 2 working days: Friday, then Monday; due at the end of Monday.
    assert acknowledge_by("speak_up", False, THURSDAY_6PM, SCALES) == utc(2026, 12, 7, 23, 59, 59)


@pytest.mark.parametrize(
    ("raised_local", "due_local"),
    [
        # Clocks go forward at 01:00 GMT on 28 March 2027: four real hours end at 05:30 BST.
        ((2027, 3, 28, 0, 30), (2027, 3, 28, 5, 30)),
        # Clocks go back at 02:00 BST on 25 October 2026: four real hours end at 03:30 GMT.
        ((2026, 10, 25, 0, 30), (2026, 10, 25, 3, 30)),
    ],
)
def test_hours_are_real_hours_across_a_clock_change(
    raised_local: tuple[int, ...], due_local: tuple[int, ...]
) -> None:
    raised = london(*raised_local)
    due = refer_by(True, raised, SCALES)
    assert due - raised == timedelta(hours=4)
    assert due == london(*due_local)


def test_configured_hours_are_used() -> None:
    scales = replace(SCALES, urgent_safeguarding_ack_hours=2, safeguarding_referral_hours=12)
    assert acknowledge_by("safeguarding", True, THURSDAY_6PM, scales) == utc(2026, 12, 3, 20, 0)
    assert refer_by(False, THURSDAY_6PM, scales) == utc(2026, 12, 4, 6, 0)


def test_an_urgent_concern_has_its_acknowledgement_then_its_referral_due() -> None:
    found = deadlines(clock(), SCALES, THURSDAY_6PM)
    assert [(d.key, d.due_at) for d in found] == [
        (DeadlineKey.ACKNOWLEDGE, utc(2026, 12, 3, 19, 0)),
        (DeadlineKey.REFERRAL, utc(2026, 12, 3, 22, 0)),
    ]
    assert found[1].what == RECORD_REFERRAL
    assert found[1].starts_at == THURSDAY_6PM
    late = deadlines(clock(), SCALES, utc(2026, 12, 3, 22, 1))
    assert all(d.overdue for d in late)


def test_the_local_authority_acknowledgement_is_due_within_a_working_day() -> None:
    # A referral made on Thursday 25 March 2027: Good Friday and Easter Monday are bank
    # holidays, so the next working day is Tuesday 30 March (BST from the 28th).
    made = utc(2027, 3, 25, 15, 0)
    concern = clock(status=Status.ACKNOWLEDGED, referral_made_at=made)
    (ack,) = [d for d in deadlines(concern, SCALES, made) if d.key == DeadlineKey.REFERRAL_ACK]
    assert ack.due_at == london(2027, 3, 30, 23, 59, 59)
    assert ack.starts_at == made


def test_a_chased_or_acknowledged_referral_has_no_acknowledgement_deadline() -> None:
    made = utc(2026, 12, 3, 20, 0)
    for decided in (
        clock(referral_made_at=made, referral_chased_at=made + timedelta(days=2)),
        clock(referral_made_at=made, referral_acknowledged_at=made + timedelta(hours=3)),
    ):
        keys = {d.key for d in deadlines(decided, SCALES, made)}
        assert DeadlineKey.REFERRAL_ACK not in keys and DeadlineKey.REFERRAL not in keys


def test_no_referral_waits_for_its_confirmation_on_the_same_deadline() -> None:
    pending = clock(no_referral_reason="not_safeguarding")
    (referral,) = [d for d in deadlines(pending, SCALES, THURSDAY_6PM) if d.key == "referral"]
    assert referral.what == CONFIRM_NO_REFERRAL
    assert referral.due_at == utc(2026, 12, 3, 22, 0)
    confirmed = clock(no_referral_reason="not_safeguarding", no_referral_confirmed_at=THURSDAY_6PM)
    assert [d.key for d in deadlines(confirmed, SCALES, THURSDAY_6PM)] == [DeadlineKey.ACKNOWLEDGE]


def test_promises_and_lateness_in_words() -> None:
    assert within_words(THURSDAY_6PM, THURSDAY_6PM + timedelta(hours=1)) == "within the hour"
    assert within_words(THURSDAY_6PM, THURSDAY_6PM + timedelta(hours=24)) == "within 24 hours"
    assert within_words(THURSDAY_6PM, THURSDAY_6PM + timedelta(days=5)) is None
    assert duration_words(timedelta(minutes=45)) == "45 minutes"
    assert duration_words(timedelta(hours=1)) == "1 hour"
    assert duration_words(timedelta(hours=3, minutes=10)) == "3 hours 10 minutes"
    assert duration_words(timedelta(days=2, hours=4, minutes=5)) == "2 days 4 hours"


def test_working_time_skips_weekends_and_bank_holidays() -> None:
    # Friday 18:00 to Tuesday 18:00 over an ordinary weekend holds 6 + 24 + 18 = 48 working
    # hours; three quarters (36) are 6 on Friday, 24 on Monday and 6 on Tuesday.
    start, end = utc(2026, 12, 4, 18, 0), utc(2026, 12, 8, 18, 0)
    assert working_point(start, end, 0.75, LONDON) == utc(2026, 12, 8, 6, 0)
    # Nothing but a weekend: no working time, so the window's end.
    assert working_point(utc(2026, 12, 5, 1), utc(2026, 12, 6, 1), 0.5, LONDON) == utc(
        2026, 12, 6, 1
    )


def test_a_moment_on_a_day_off_waits_for_the_next_working_morning() -> None:
    saturday = utc(2026, 12, 5, 14, 0)
    assert on_a_working_day(saturday, LONDON, time(9)) == utc(2026, 12, 7, 9, 0)
    monday = utc(2026, 12, 7, 14, 0)
    assert on_a_working_day(monday, LONDON, time(9)) == monday
    good_friday = london(2027, 3, 26, 10, 0)
    assert on_a_working_day(good_friday, LONDON, time(9)) == london(2027, 3, 30, 9, 0)
