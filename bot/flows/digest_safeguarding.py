"""The safeguarding process figures of the leaders' digest: raised, referred, referral
overdue, awaiting the local authority, closed without a referral. Not suppressed: they
describe what the trust did, not who spoke up."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.deadlines import RECORD_REFERRAL, deadlines
from bot.domain.digest_figures import Safeguarding
from bot.domain.policy import Policy
from bot.domain.reporting_week import ReportedWeek
from bot.domain.taxonomy import ConcernKind, Status
from bot.flows.digest_sql import between, open_at_end
from bot.flows.due_times import CLOCK_COLUMNS, ClockFacts
from storage.models import Concern

REFERRAL_DEADLINE = RECORD_REFERRAL  # the domain's name for the referral deadline


def _as_at(row: Any, end: datetime) -> ClockFacts:
    """A safeguarding concern not referred by `end`, as it stood then: open, with no step of
    a referral decision yet, and nothing that happened after `end`."""

    def by_end(at: datetime | None) -> datetime | None:
        return at if at is not None and at < end else None

    return replace(
        ClockFacts(**row._asdict()),
        status=Status.RECEIVED if row.status == Status.CLOSED else str(row.status),
        acknowledged_at=by_end(row.acknowledged_at),
        last_reporter_update_at=by_end(row.last_reporter_update_at),
        referral_made_at=None,
        referral_acknowledged_at=None,
        referral_chased_at=None,
        no_referral_reason=None,
        no_referral_confirmed_at=None,
    )


def safeguarding_process(session: Session, policy: Policy, week: ReportedWeek) -> Safeguarding:
    """The safeguarding process in the reported week and at its end (not suppressed: it is
    about what the trust did, not who spoke up)."""
    sg = Concern.kind == ConcernKind.SAFEGUARDING.value
    start, end = week.start, week.end

    # One index-friendly count each, rather than one scan of every safeguarding concern.
    def count(*conditions: ColumnElement[bool]) -> int:
        return int(session.scalar(select(func.count()).where(sg, *conditions)) or 0)

    raised = count(between(Concern.created_at, start, end))
    referred = count(between(Concern.referral_made_at, start, end))
    # Referred before the end and not acknowledged by then: still unacknowledged, or
    # acknowledged since (two narrow index lookups, not a scan of every referral).
    # Referrals never acknowledged are few (each is an alert): read from their own index.
    unacknowledged = session.scalars(
        select(Concern.referral_made_at).where(
            Concern.referral_made_at.is_not(None), Concern.referral_acknowledged_at.is_(None), sg
        )
    )
    awaiting = sum(1 for made in unacknowledged if made is not None and made < end) + count(
        Concern.referral_acknowledged_at >= end, Concern.referral_made_at < end
    )
    closed_without = count(
        between(Concern.closed_at, start, end),
        Concern.status == Status.CLOSED,
        Concern.referral_made_at.is_(None),
    )
    # Waiting for a referral at the end of the week: the deadline is the domain's rule.
    facts = select(*CLOCK_COLUMNS)
    late: list[datetime] = []
    # Not referred yet, or referred only after the end: each found through its index.
    waiting = [
        *session.execute(facts.where(sg, open_at_end(end), Concern.referral_made_at.is_(None))),
        *session.execute(facts.where(sg, open_at_end(end), Concern.referral_made_at >= end)),
    ]
    for concern in waiting:
        as_then = _as_at(concern, end)
        for deadline in deadlines(as_then, policy.timescales, end):
            if deadline.what == REFERRAL_DEADLINE and deadline.overdue:
                late.append(deadline.due_at)
    oldest = int((end - min(late)).total_seconds() // 3600) if late else None
    return Safeguarding(
        raised=raised,
        referred=referred,
        referral_overdue=len(late),
        oldest_overdue_hours=oldest,
        awaiting_acknowledgement=awaiting,
        closed_without_referral=closed_without,
    )
