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
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.clock import add_months
from bot.domain.digest_figures import (
    AGE_BANDS,
    HISTORY_WEEKS,
    NOT_GIVEN,
    WEEKS,
    DigestRules,
    History,
    RawCounts,
    Timing,
    build_digest,
)
from bot.domain.policy import Policy
from bot.domain.reporting_week import ReportedWeek
from bot.domain.taxonomy import (
    FEEDBACK_ANSWERS,
    PROFESSIONAL_GROUPS,
    ConcernKind,
    IdentityMode,
    Status,
)
from bot.flows.digest_safeguarding import safeguarding_process
from bot.flows.digest_sql import (
    OPEN_STATUSES,
    between,
    count_where,
    duration_seconds,
    element_counts,
    element_text,
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
    window = between(Concern.created_at, week.window_start, week.end)

    row = session.execute(
        select(
            *[
                count_where(between(Concern.created_at, bounds[i], bounds[i + 1]))
                for i in range(WEEKS)
            ],
            count_where(Concern.identity_mode.in_(_ANONYMOUS)),
            count_where(Concern.detriment == "yes"),
        ).where(speak_up, window)
    ).one()
    new = [int(v) for v in row[:WEEKS]]
    anonymous, detriment = int(row[WEEKS]), int(row[WEEKS + 1])

    closed_row = session.execute(
        select(
            *[
                count_where(between(Concern.closed_at, bounds[i], bounds[i + 1]))
                for i in range(WEEKS)
            ]
        ).where(speak_up, Concern.status == Status.CLOSED, Concern.closed_at >= week.window_start)
    ).one()
    closed = [int(v) for v in closed_row]

    sites, groups, elements = _breakdowns(session, and_(speak_up, window), policy.sites)
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
        new=new,
        closed=closed,
        elements=elements,
        anonymous=anonymous,
        detriment=detriment,
        sites=sites,
        groups=groups,
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
        **_history(session, week, [site for site in sites if site != NOT_GIVEN]),
    )


def _breakdowns(
    session: Session, cases: ColumnElement[bool], known_sites: tuple[str, ...]
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Cases by site, by staff group and by element, in one pass: every known value listed
    (with 0), then any other seen, then those not given."""
    sites: dict[str, int] = dict.fromkeys(known_sites, 0)
    groups: dict[str, int] = dict.fromkeys(PROFESSIONAL_GROUPS, 0)
    not_given = {"site": 0, "group": 0}
    combinations: list[tuple[str | None, int]] = []
    found = session.execute(
        select(Concern.site, Concern.professional_group, element_text(), func.count())
        .where(cases)
        .group_by(Concern.site, Concern.professional_group, element_text())
    )
    for site, group, chosen, count in found:
        combinations.append((chosen, int(count)))
        for value, counts, kind in ((site, sites, "site"), (group, groups, "group")):
            if value:
                counts[str(value)] = counts.get(str(value), 0) + int(count)
            else:
                not_given[kind] += int(count)
    sites[NOT_GIVEN], groups[NOT_GIVEN] = not_given["site"], not_given["group"]
    return sites, groups, element_counts(combinations)


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


def _history(session: Session, week: ReportedWeek, recent_sites: list[str]) -> dict[str, Any]:
    """Each element's and site's cases in the 52 weeks before the window (for hotspots), in
    one pass, and how many weeks of history there were."""
    speak_up = Concern.kind == ConcernKind.SPEAK_UP.value
    first = session.scalar(select(func.min(Concern.created_at)).where(speak_up))
    if first is None:
        return {"element_history": {}, "site_history": {}}
    weeks = max(0, min(HISTORY_WEEKS, (week.window_start - first).days // 7))
    start = week.window_start - timedelta(weeks=weeks)
    found = session.execute(
        select(Concern.site, element_text(), func.count())
        .where(speak_up, between(Concern.created_at, start, week.window_start))
        .group_by(Concern.site, element_text())
    )
    sites = dict.fromkeys(recent_sites, 0)
    combinations: list[tuple[str | None, int]] = []
    for site, chosen, count in found:
        combinations.append((chosen, int(count)))
        if site:
            sites[str(site)] = sites.get(str(site), 0) + int(count)
    elements = {key: n for key, n in element_counts(combinations).items() if key != NOT_GIVEN}
    return {
        "element_history": {key: History(count, weeks) for key, count in elements.items()},
        "site_history": {site: History(count, weeks) for site, count in sites.items()},
    }
