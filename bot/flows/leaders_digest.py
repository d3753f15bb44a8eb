"""Counting the leaders' weekly digest: SQL aggregates over plain columns, nothing decrypted.

Every figure is a count or an ordered pick the database does (no row per concern comes back,
except the few safeguarding concerns still waiting for a referral, whose deadline is the
domain's rule), so the time and memory it takes do not grow with the number of concerns
beyond what the database itself scans. Stock figures (open, ages, overdue) are as at the end
of the reported week; flows (new, closed, feedback) are per week or over the 13 weeks to it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.domain.clock import add_months
from bot.domain.digest_figures import (
    AGE_BANDS,
    WEEKS,
    DigestRules,
    RawCounts,
    Timing,
    build_digest,
)
from bot.domain.policy import Policy
from bot.domain.reporting_week import ReportedWeek
from bot.domain.taxonomy import (
    FEEDBACK_ANSWERS,
    ConcernKind,
    IdentityMode,
    Status,
)
from bot.flows.digest_raised import count_raised
from bot.flows.digest_safeguarding import safeguarding_process
from bot.flows.digest_sql import (
    OPEN_STATUSES,
    between,
    count_where,
    duration_seconds,
)
from storage.models import Concern, OutboxItem
from storage.outbox import PENDING

_ANONYMOUS = (IdentityMode.ANONYMOUS_FOLLOW_UP.value, IdentityMode.ANONYMOUS_NO_CONTACT.value)


def digest_rules(policy: Policy) -> DigestRules:
    return DigestRules(
        threshold=policy.reporting.small_number_threshold,
        update_interval_days=policy.timescales.update_interval_days,
        feedback_months=policy.timescales.feedback_months,
    )


def weekly_leaders_digest(session: Session, policy: Policy, week: ReportedWeek) -> dict[str, Any]:
    """The digest for `week`, counted and suppressed, as printable values."""
    return build_digest(count_week(session, policy, week), digest_rules(policy))


def count_week(session: Session, policy: Policy, week: ReportedWeek) -> RawCounts:
    speak_up = Concern.kind == ConcernKind.SPEAK_UP.value
    bounds = week.boundaries

    raised = count_raised(session, week, policy.sites)
    closed_row = session.execute(
        select(
            *[
                count_where(between(Concern.closed_at, bounds[i], bounds[i + 1]))
                for i in range(WEEKS)
            ]
        ).where(speak_up, Concern.status == Status.CLOSED, Concern.closed_at >= week.window_start)
    ).one()
    closed = [int(v) for v in closed_row]

    feedback = {
        str(answer): int(count)
        for answer, count in session.execute(
            select(Concern.feedback, func.count())
            .where(speak_up, between(Concern.feedback_given_at, week.window_start, week.end))
            .group_by(Concern.feedback)
        )
        if answer in FEEDBACK_ANSWERS
    }
    open_by_age, overdue = _open_at(session, policy, week.end)
    return RawCounts(
        week=week.key,
        first_day=week.first_day.isoformat(),
        last_day=(week.first_day + timedelta(days=6)).isoformat(),
        new=raised.new,
        closed=closed,
        elements=raised.elements,
        anonymous=raised.anonymous,
        detriment=raised.detriment,
        sites=raised.sites,
        groups=raised.groups,
        feedback=feedback,
        open_by_age=open_by_age,
        overdue=overdue,
        to_acknowledge=_timing(session, Concern.acknowledged_at, week),
        to_close=_timing(session, Concern.closed_at, week),
        safeguarding=safeguarding_process(session, policy, week),
        undelivered=int(
            session.scalar(
                select(func.count(OutboxItem.id)).where(
                    OutboxItem.status == PENDING, OutboxItem.last_error.is_not(None)
                )
            )
            or 0
        ),
        element_history=raised.element_history,
        site_history=raised.site_history,
    )


def _open_at(session: Session, policy: Policy, end: datetime) -> tuple[list[int], dict[str, int]]:
    """Speak-up cases open at `end` by age band, and how many had each deadline passed."""
    scales = policy.timescales
    bands: list[Any] = []
    for _, first, last in AGE_BANDS:
        # Whole days old at `end`: first <= age <= last.
        newest = end - timedelta(days=first)
        condition = Concern.created_at <= newest
        if last is not None:
            condition = and_(condition, Concern.created_at > end - timedelta(days=last + 1))
        bands.append(count_where(condition))
    not_acknowledged = or_(Concern.acknowledged_at.is_(None), Concern.acknowledged_at >= end)
    acknowledged = Concern.acknowledged_at < end
    last_update = func.coalesce(Concern.last_reporter_update_at, Concern.acknowledged_at)
    feedback_cutoff = _months_before(end, scales.feedback_months)
    counts = select(
        *bands,
        count_where(and_(not_acknowledged, Concern.ack_due_at < end)),
        count_where(
            and_(acknowledged, last_update < end - timedelta(days=scales.update_interval_days))
        ),
        count_where(and_(acknowledged, Concern.acknowledged_at < feedback_cutoff)),
    )
    # Open now (read from the open-work index alone), plus those closed since the end.
    speak_up = Concern.kind == ConcernKind.SPEAK_UP.value
    still_open = session.execute(
        counts.where(Concern.status.in_(OPEN_STATUSES), speak_up, Concern.created_at < end)
    ).one()
    closed_since = session.execute(
        counts.where(
            Concern.closed_at >= end,
            Concern.status == Status.CLOSED,
            speak_up,
            Concern.created_at < end,
        )
    ).one()
    values = [int(a) + int(b) for a, b in zip(still_open, closed_since, strict=True)]
    return values[:4], {"ack": values[4], "update": values[5], "feedback": values[6]}


def _months_before(moment: datetime, months: int) -> datetime:
    """The earliest acknowledgement time whose feedback was not yet due at `moment` (the
    domain adds months with clamping; step back an hour at a time where that matters)."""
    guess = add_months(moment, -months)
    while add_months(guess, months) > moment:
        guess -= timedelta(hours=1)
    return guess


def _timing(session: Session, column: Any, week: ReportedWeek) -> Timing:
    """Median and 90th percentile days from raised to `column`, over speak-up cases that got
    there in the 13 weeks: picked by the database with ORDER BY ... OFFSET."""
    where = and_(
        Concern.kind == ConcernKind.SPEAK_UP.value,
        between(column, week.window_start, week.end),
    )
    duration = duration_seconds(session, column)
    if session.get_bind().dialect.name == "postgresql":
        # The same picks as below, in one pass: the middle (or the mean of the two middle
        # values) and the nearest-rank 90th percentile.
        cases, median, p90 = session.execute(
            select(
                func.count(),
                func.percentile_cont(0.5).within_group(duration),
                func.percentile_disc(0.9).within_group(duration),
            ).where(where)
        ).one()
        if not cases:
            return Timing()
        return Timing(float(median) / 86400, float(p90) / 86400, int(cases))
    cases = int(session.scalar(select(func.count()).where(where)) or 0)
    if cases == 0:
        return Timing()

    def nth(index: int, count: int = 1) -> list[float]:
        picked = session.scalars(
            select(duration).where(where).order_by(duration).offset(index).limit(count)
        )
        return [float(v) / 86400 for v in picked]

    middle = nth((cases - 1) // 2, 1 if cases % 2 else 2)
    p90 = nth(max(0, -(-9 * cases // 10) - 1))
    return Timing(sum(middle) / len(middle), p90[0], cases)
