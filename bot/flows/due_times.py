"""Keeping a concern's `next_due_at` honest: the moment the SLA sweep must look at it next.

Flows that change what a concern's deadlines depend on (status, acknowledgement, updates to
the reporter, referrals) call `deadlines_changed`, which asks the sweep to look again at its
next run; the sweep works the deadlines out from the rules, flags any that have passed, and
stores the next one still to come. So the sweep finds its work by an indexed query on stored
due times instead of reading every open concern.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.taxonomy import Status
from storage.models import Concern


def deadlines_changed(concern: Concern, now: datetime) -> None:
    """Have the next sweep recompute this concern's deadlines (none once it is closed)."""
    concern.next_due_at = None if concern.status == Status.CLOSED else now


# The columns a concern's deadlines are worked out from (bot.domain.deadlines.ConcernClock),
# and nothing sealed: jobs and digests that only need the clock load these and no more.
CLOCK_COLUMNS = (
    Concern.kind,
    Concern.status,
    Concern.urgent,
    Concern.created_at,
    Concern.ack_due_at,
    Concern.acknowledged_at,
    Concern.last_reporter_update_at,
    Concern.referral_made_at,
    Concern.referral_acknowledged_at,
    Concern.referral_chased_at,
    Concern.no_referral_reason,
    Concern.no_referral_confirmed_at,
)
