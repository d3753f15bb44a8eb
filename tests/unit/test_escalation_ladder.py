"""The escalation ladder's rungs, from plain values: when each is reached, each once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import is_working_day
from bot.domain.escalation import Graces, LadderRules, Rung, Track, due_rungs, rung_times, track_of

LONDON = "Europe/London"
RULES = LadderRules(timezone=LONDON)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_tracks_follow_kind_and_urgency() -> None:
    assert track_of("speak_up", False) is Track.SPEAK_UP
    assert track_of("speak_up", True) is Track.SPEAK_UP
    assert track_of("safeguarding", True) is Track.URGENT_SAFEGUARDING
    assert track_of("safeguarding", False) is Track.SAFEGUARDING


def test_an_urgent_referral_climbs_on_the_hour() -> None:
    raised = utc(2026, 12, 3, 18, 0)
    due = raised + timedelta(hours=4)
    assert rung_times(raised, due, Track.URGENT_SAFEGUARDING, RULES) == {
        Rung.REMINDER: utc(2026, 12, 3, 21, 0),  # 75% of four hours
        Rung.DUE: utc(2026, 12, 3, 22, 0),
        Rung.LEADS: utc(2026, 12, 3, 23, 0),  # an hour overdue
        Rung.EXECUTIVES: utc(2026, 12, 4, 2, 0),  # four hours overdue
    }


def test_other_safeguarding_graces_are_eight_and_24_hours_day_or_night() -> None:
    raised = utc(2026, 12, 5, 2, 0)  # a Saturday night
    due = raised + timedelta(hours=24)
    times = rung_times(raised, due, Track.SAFEGUARDING, RULES)
    assert times[Rung.REMINDER] == utc(2026, 12, 5, 20, 0)
    assert times[Rung.LEADS] == utc(2026, 12, 6, 10, 0)
    assert times[Rung.EXECUTIVES] == utc(2026, 12, 7, 2, 0)


def test_each_rung_is_reached_in_turn_and_the_reminder_only_before_due() -> None:
    raised = utc(2026, 12, 3, 18, 0)
    due = raised + timedelta(hours=4)

    def at(hours: float) -> list[Rung]:
        return due_rungs(
            raised, due, Track.URGENT_SAFEGUARDING, RULES, raised + timedelta(hours=hours)
        )

    assert at(2.9) == []
    assert at(3) == [Rung.REMINDER]
    assert at(4) == [Rung.DUE]  # past due, a reminder has nothing more to say
    assert at(5) == [Rung.DUE, Rung.LEADS]
    assert at(8) == [Rung.DUE, Rung.LEADS, Rung.EXECUTIVES]


def test_the_reminder_point_and_graces_are_configurable() -> None:
    rules = LadderRules(
        timezone=LONDON,
        reminder_percent=50,
        graces={**RULES.graces, Track.URGENT_SAFEGUARDING: Graces(2, 6, working_days=False)},
    )
    raised = utc(2026, 12, 3, 18, 0)
    times = rung_times(raised, raised + timedelta(hours=4), Track.URGENT_SAFEGUARDING, rules)
    assert times[Rung.REMINDER] == utc(2026, 12, 3, 20, 0)
    assert times[Rung.LEADS] == utc(2026, 12, 4, 0, 0)
    assert times[Rung.EXECUTIVES] == utc(2026, 12, 4, 4, 0)


def test_a_speak_up_acknowledgement_over_easter_climbs_on_working_days() -> None:
    # Raised Thursday 25 March 2027 at 16:00; Good Friday and Easter Monday are bank holidays,
    # so two working days end on Wednesday 31 March.
    zone = ZoneInfo(LONDON)
    raised = datetime(2027, 3, 25, 16, 0, tzinfo=zone).astimezone(UTC)
    due = datetime(2027, 3, 31, 23, 59, 59, tzinfo=zone).astimezone(UTC)
    times = rung_times(raised, due, Track.SPEAK_UP, RULES)
    for moment in times.values():
        assert is_working_day(moment.astimezone(zone).date())
    # 8 hours on Thursday and 48 (less the deadline's last second) on Tuesday and Wednesday:
    # 75% is 42 hours in, Wednesday 10:00.
    reminder = datetime(2027, 3, 31, 10, 0, tzinfo=zone).astimezone(UTC)
    assert abs(times[Rung.REMINDER] - reminder) < timedelta(seconds=1)
    assert times[Rung.DUE] == due
    assert times[Rung.LEADS] == datetime(2027, 4, 2, 23, 59, 59, tzinfo=zone).astimezone(UTC)
    assert times[Rung.EXECUTIVES] == datetime(2027, 4, 7, 23, 59, 59, tzinfo=zone).astimezone(UTC)
    # Over the long weekend nothing at all is reached.
    easter_monday = datetime(2027, 3, 29, 12, 0, tzinfo=zone).astimezone(UTC)
    assert due_rungs(raised, due, Track.SPEAK_UP, RULES, easter_monday) == []


@pytest.mark.parametrize("due_day", [5, 6])  # a Saturday or a Sunday
def test_a_speak_up_deadline_falling_at_the_weekend_is_raised_on_monday_morning(
    due_day: int,
) -> None:
    due = utc(2026, 12, due_day, 14, 0)  # e.g. a 14-day update that lands on a weekend
    times = rung_times(due - timedelta(days=14), due, Track.SPEAK_UP, RULES)
    assert times[Rung.DUE] == utc(2026, 12, 7, 9, 0)
    assert due_rungs(due - timedelta(days=14), due, Track.SPEAK_UP, RULES, due) == []
