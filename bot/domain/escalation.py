"""The escalation ladder (SPEC §2): who is told about a deadline, and when, each rung once.

1. before it is due (by default once 75% of its window has passed), a reminder in the card's
   thread that mentions the owner, or the team when nobody owns it;
2. when it falls due, a new message in the team's channel with the same mention (Slack
   notifies nobody of an edited card);
3. once it is overdue by a grace, a direct message to the leads;
4. once it is overdue by a second, longer grace, a direct message to the executive leads.

Speak-up concerns climb on working days: the reminder is measured in working time, and a rung
that would fall on a weekend or bank holiday waits for the next working morning. Safeguarding
climbs on elapsed hours, day and night, with shorter graces when someone is in immediate
danger. Plain values in and out: the job that acts on it lives in bot.jobs.escalation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import IntEnum, StrEnum

from bot.domain.clock import add_working_days, on_a_working_day, working_point
from bot.domain.taxonomy import ConcernKind

# When a speak-up rung that fell on a weekend or bank holiday is sent instead (local time).
WORKING_MORNING = time(9)


class Rung(IntEnum):
    REMINDER = 1
    DUE = 2
    LEADS = 3
    EXECUTIVES = 4


RUNG_NAMES: dict[Rung, str] = {
    Rung.REMINDER: "reminder",
    Rung.DUE: "overdue",
    Rung.LEADS: "leads",
    Rung.EXECUTIVES: "executives",
}


class Track(StrEnum):
    """Which clock and graces a concern climbs on."""

    SPEAK_UP = "speak_up"
    URGENT_SAFEGUARDING = "urgent_safeguarding"
    SAFEGUARDING = "safeguarding"


@dataclass(frozen=True)
class Graces:
    """How long overdue (from the due time) before the leads, then the executives, are told:
    working days on a working-day track, hours otherwise."""

    leads: int
    executives: int
    working_days: bool


@dataclass(frozen=True)
class LadderRules:
    timezone: str = "Europe/London"
    reminder_percent: int = 75  # of the deadline's window, before the reminder
    graces: dict[Track, Graces] = field(
        default_factory=lambda: {
            Track.SPEAK_UP: Graces(leads=2, executives=5, working_days=True),
            Track.URGENT_SAFEGUARDING: Graces(leads=1, executives=4, working_days=False),
            Track.SAFEGUARDING: Graces(leads=8, executives=24, working_days=False),
        }
    )


def track_of(kind: str, urgent: bool) -> Track:
    if kind != ConcernKind.SAFEGUARDING:
        return Track.SPEAK_UP
    return Track.URGENT_SAFEGUARDING if urgent else Track.SAFEGUARDING


def rung_times(
    starts_at: datetime, due_at: datetime, track: Track, rules: LadderRules
) -> dict[Rung, datetime]:
    """When each rung of a deadline's ladder is reached, in order."""
    graces = rules.graces[track]
    fraction = rules.reminder_percent / 100
    if graces.working_days:
        zone = rules.timezone
        return {
            Rung.REMINDER: working_point(starts_at, due_at, fraction, zone),
            Rung.DUE: on_a_working_day(due_at, zone, WORKING_MORNING),
            Rung.LEADS: add_working_days(due_at, graces.leads, zone),
            Rung.EXECUTIVES: add_working_days(due_at, graces.executives, zone),
        }
    return {
        Rung.REMINDER: starts_at + (due_at - starts_at) * fraction,
        Rung.DUE: due_at,
        Rung.LEADS: due_at + timedelta(hours=graces.leads),
        Rung.EXECUTIVES: due_at + timedelta(hours=graces.executives),
    }


def due_rungs(
    starts_at: datetime, due_at: datetime, track: Track, rules: LadderRules, now: datetime
) -> list[Rung]:
    """The rungs reached by `now`, lowest first. A reminder is only worth sending before the
    deadline passes: once it has, the overdue message says more, so the reminder is dropped."""
    reached = [
        rung for rung, at in rung_times(starts_at, due_at, track, rules).items() if at <= now
    ]
    if now >= due_at and Rung.REMINDER in reached:
        reached.remove(Rung.REMINDER)
    return reached
