"""Keeping a concern's `next_due_at` honest: the moment the SLA sweep must look at it next.

Flows that change what a concern's deadlines depend on (status, acknowledgement, updates to
the reporter, referrals) call `deadlines_changed`, which asks the sweep to look again at its
next run; the sweep works the deadlines out from the rules, flags any that have passed, and
stores the next one still to come. So the sweep finds its work by an indexed query on stored
due times instead of reading every open concern.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy.orm import InstrumentedAttribute

from bot.domain.taxonomy import Status
from storage.models import Concern


def deadlines_changed(concern: Concern, now: datetime) -> None:
    """Have the next sweep recompute this concern's deadlines (none once it is closed)."""
    concern.next_due_at = None if concern.status == Status.CLOSED else now


@dataclass(frozen=True)
class ClockFacts:
    """A concern's deadlines are worked out from these (bot.domain.deadlines.ConcernClock),
    and nothing sealed: jobs and digests that only need the clock load these columns and no
    more (CLOCK_COLUMNS, in this order)."""

    kind: str
    status: str
    urgent: bool
    created_at: datetime
    ack_due_at: datetime
    acknowledged_at: datetime | None
    last_reporter_update_at: datetime | None
    referral_made_at: datetime | None
    referral_acknowledged_at: datetime | None
    referral_chased_at: datetime | None
    no_referral_reason: str | None
    no_referral_confirmed_at: datetime | None


CLOCK_COLUMNS: tuple[InstrumentedAttribute[Any], ...] = tuple(
    getattr(Concern, clock_fact.name) for clock_fact in fields(ClockFacts)
)
