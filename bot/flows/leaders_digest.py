"""Counting the leaders' weekly digest: SQL aggregates over plain columns, nothing decrypted.

Every figure is a count or an ordered pick the database does (no row per concern comes back,
except the few safeguarding concerns still waiting for a referral, whose deadline is the
domain's rule), so the time and memory it takes do not grow with the number of concerns
beyond what the database itself scans. Stock figures (open, ages, overdue) are as at the end
of the reported week; flows (new, closed, feedback) are per week or over the 13 weeks to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.clock import add_months
from bot.domain.deadlines import RECORD_REFERRAL, deadlines
from bot.domain.digest_figures import (
    AGE_BANDS,
    HISTORY_WEEKS,
    NOT_GIVEN,
    WEEKS,
    DigestRules,
    History,
    RawCounts,
    Safeguarding,
    Timing,
    build_digest,
)
from bot.domain.policy import Policy
from bot.domain.taxonomy import (
    ELEMENTS,
    FEEDBACK_ANSWERS,
    PROFESSIONAL_GROUPS,
    ConcernKind,
    IdentityMode,
    Status,
)
from storage.models import Concern, OutboxItem
from storage.outbox import PENDING

WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")
REFERRAL_DEADLINE = RECORD_REFERRAL  # the domain's name for the referral deadline
_ANONYMOUS = (IdentityMode.ANONYMOUS_FOLLOW_UP.value, IdentityMode.ANONYMOUS_NO_CONTACT.value)
# Listed rather than "not closed", so the status index can find them.
_OPEN = tuple(s.value for s in Status if s is not Status.CLOSED)


def _open_at_end(end: datetime) -> ColumnElement[bool]:
    """Open at `end`: raised before it, and open now or closed since."""
    return and_(Concern.created_at < end, or_(Concern.status.in_(_OPEN), Concern.closed_at >= end))


class BadWeek(ValueError):
    """A week that is not an ISO week such as 2026-W49 (the message says so)."""


@dataclass(frozen=True)
class ReportedWeek:
    key: str
    first_day: date  # Monday, local
    boundaries: tuple[datetime, ...]  # UTC: start of each of the 13 weeks, then the end

    @property
    def start(self) -> datetime:
        return self.boundaries[-2]

    @property
    def end(self) -> datetime:
        return self.boundaries[-1]

    @property
    def window_start(self) -> datetime:
        return self.boundaries[0]


def reported_week(key: str, timezone: str) -> ReportedWeek:
    """The ISO week `key` (e.g. 2026-W49) in the trust's time zone; BadWeek if malformed."""
    found = WEEK_KEY.match(key.strip())
    if not found:
        raise BadWeek(f"{key!r} is not an ISO week such as 2026-W49")
    try:
        monday = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
    except ValueError:
        raise BadWeek(f"{key!r} is not a week of that year") from None
    zone = ZoneInfo(timezone)
    days = [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS + 1)]
    boundaries = tuple(datetime.combine(d, time(0), zone).astimezone(UTC) for d in days)
    return ReportedWeek(key.strip(), monday, boundaries)


def last_full_week(now: datetime, timezone: str) -> str:
    """The ISO week before the one `now` falls in, where the trust is."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    year, week, _ = (today - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def digest_rules(policy: Policy) -> DigestRules:
    return DigestRules(
        threshold=policy.reporting.small_number_threshold,
        update_interval_days=policy.timescales.update_interval_days,
        feedback_months=policy.timescales.feedback_months,
    )


def weekly_leaders_digest(session: Session, policy: Policy, week: ReportedWeek) -> dict[str, Any]:
    """The digest for `week`, counted and suppressed, as printable values."""
    return build_digest(count_week(session, policy, week), digest_rules(policy))


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _element_text() -> Any:
    # Elements are a JSON list of ids. Grouping by its text gives one row per combination
    # chosen (a few dozen at most), counted per element here, instead of a LIKE per element
    # on every row.
    return cast(Concern.elements, String)


def _element_counts(combinations: list[tuple[str | None, int]]) -> dict[str, int]:
    """Cases per element (NOT_GIVEN: none recorded) from (JSON text, cases) pairs."""
    counts = dict.fromkeys([*ELEMENTS, NOT_GIVEN], 0)
    for text, cases in combinations:
        chosen = json.loads(text) if text else []
        for key in chosen or [NOT_GIVEN]:
            counts[str(key)] = counts.get(str(key), 0) + int(cases)
    return counts


def _between(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def count_week(session: Session, policy: Policy, week: ReportedWeek) -> RawCounts:
    speak_up = Concern.kind == ConcernKind.SPEAK_UP.value
    bounds = week.boundaries
    window = _between(Concern.created_at, week.window_start, week.end)

    row = session.execute(
        select(
            *[_count(_between(Concern.created_at, bounds[i], bounds[i + 1])) for i in range(WEEKS)],
            _count(Concern.identity_mode.in_(_ANONYMOUS)),
            _count(Concern.detriment == "yes"),
        ).where(speak_up, window)
    ).one()
    new = [int(v) for v in row[:WEEKS]]
    anonymous, detriment = int(row[WEEKS]), int(row[WEEKS + 1])

    closed_row = session.execute(
        select(
            *[_count(_between(Concern.closed_at, bounds[i], bounds[i + 1])) for i in range(WEEKS)]
        ).where(speak_up, Concern.status == Status.CLOSED, Concern.closed_at >= week.window_start)
    ).one()
    closed = [int(v) for v in closed_row]

    sites, groups, elements = _breakdowns(session, and_(speak_up, window), policy.sites)
    feedback = {
        str(answer): int(count)
        for answer, count in session.execute(
            select(Concern.feedback, func.count())
            .where(speak_up, _between(Concern.feedback_given_at, week.window_start, week.end))
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
        safeguarding=_safeguarding(session, policy, week),
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
        select(Concern.site, Concern.professional_group, _element_text(), func.count())
        .where(cases)
        .group_by(Concern.site, Concern.professional_group, _element_text())
    )
    for site, group, chosen, count in found:
        combinations.append((chosen, int(count)))
        for value, counts, kind in ((site, sites, "site"), (group, groups, "group")):
            if value:
                counts[str(value)] = counts.get(str(value), 0) + int(count)
            else:
                not_given[kind] += int(count)
    sites[NOT_GIVEN], groups[NOT_GIVEN] = not_given["site"], not_given["group"]
    return sites, groups, _element_counts(combinations)


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
        bands.append(_count(condition))
    not_acknowledged = or_(Concern.acknowledged_at.is_(None), Concern.acknowledged_at >= end)
    acknowledged = Concern.acknowledged_at < end
    last_update = func.coalesce(Concern.last_reporter_update_at, Concern.acknowledged_at)
    feedback_cutoff = _months_before(end, scales.feedback_months)
    counts = select(
        *bands,
        _count(and_(not_acknowledged, Concern.ack_due_at < end)),
        _count(and_(acknowledged, last_update < end - timedelta(days=scales.update_interval_days))),
        _count(and_(acknowledged, Concern.acknowledged_at < feedback_cutoff)),
    )
    # Open now (read from the open-work index alone), plus those closed since the end.
    speak_up = Concern.kind == ConcernKind.SPEAK_UP.value
    still_open = session.execute(
        counts.where(Concern.status.in_(_OPEN), speak_up, Concern.created_at < end)
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


def _duration_seconds(session: Session, later: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - Concern.created_at)
    return (func.julianday(later) - func.julianday(Concern.created_at)) * 86400.0


def _timing(session: Session, column: Any, week: ReportedWeek) -> Timing:
    """Median and 90th percentile days from raised to `column`, over speak-up cases that got
    there in the 13 weeks: picked by the database with ORDER BY ... OFFSET."""
    where = and_(
        Concern.kind == ConcernKind.SPEAK_UP.value,
        _between(column, week.window_start, week.end),
    )
    duration = _duration_seconds(session, column)
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


def _safeguarding(session: Session, policy: Policy, week: ReportedWeek) -> Safeguarding:
    """The safeguarding process in the reported week and at its end (not suppressed: it is
    about what the trust did, not who spoke up)."""
    sg = Concern.kind == ConcernKind.SAFEGUARDING.value
    start, end = week.start, week.end

    # One index-friendly count each, rather than one scan of every safeguarding concern.
    def count(*conditions: ColumnElement[bool]) -> int:
        return int(session.scalar(select(func.count()).where(sg, *conditions)) or 0)

    raised = count(_between(Concern.created_at, start, end))
    referred = count(_between(Concern.referral_made_at, start, end))
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
        _between(Concern.closed_at, start, end),
        Concern.status == Status.CLOSED,
        Concern.referral_made_at.is_(None),
    )
    # Waiting for a referral at the end of the week: the deadline is the domain's rule.
    facts = select(
        Concern.kind,
        Concern.status,
        Concern.created_at,
        Concern.ack_due_at,
        Concern.acknowledged_at,
        Concern.last_reporter_update_at,
        Concern.referral_made_at,
        Concern.referral_acknowledged_at,
        Concern.urgent,
    )
    late: list[datetime] = []
    # Not referred yet, or referred only after the end: each found through its index.
    waiting = [
        *session.execute(facts.where(sg, _open_at_end(end), Concern.referral_made_at.is_(None))),
        *session.execute(facts.where(sg, _open_at_end(end), Concern.referral_made_at >= end)),
    ]
    for concern in waiting:
        as_then = _AsAt(concern, end)
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


@dataclass(frozen=True)
class _AsAt:
    """A safeguarding concern as it stood at `end`: not yet referred, and open."""

    row: Any
    end: datetime

    @property
    def kind(self) -> str:
        return str(self.row.kind)

    @property
    def status(self) -> str:
        return Status.RECEIVED if self.row.status == Status.CLOSED else str(self.row.status)

    @property
    def created_at(self) -> datetime:
        return self.row.created_at  # type: ignore[no-any-return]

    @property
    def ack_due_at(self) -> datetime:
        return self.row.ack_due_at  # type: ignore[no-any-return]

    @property
    def acknowledged_at(self) -> datetime | None:
        at = self.row.acknowledged_at
        return at if at is not None and at < self.end else None

    @property
    def last_reporter_update_at(self) -> datetime | None:
        at = self.row.last_reporter_update_at
        return at if at is not None and at < self.end else None

    @property
    def referral_made_at(self) -> datetime | None:
        return None

    @property
    def referral_acknowledged_at(self) -> datetime | None:
        return None

    @property
    def urgent(self) -> bool:
        return bool(self.row.urgent)

    @property
    def referral_chased_at(self) -> datetime | None:
        return None

    @property
    def no_referral_reason(self) -> str | None:
        return None

    @property
    def no_referral_confirmed_at(self) -> datetime | None:
        return None


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
        select(Concern.site, _element_text(), func.count())
        .where(speak_up, _between(Concern.created_at, start, week.window_start))
        .group_by(Concern.site, _element_text())
    )
    sites = dict.fromkeys(recent_sites, 0)
    combinations: list[tuple[str | None, int]] = []
    for site, chosen, count in found:
        combinations.append((chosen, int(count)))
        if site:
            sites[str(site)] = sites.get(str(site), 0) + int(count)
    elements = {key: n for key, n in _element_counts(combinations).items() if key != NOT_GIVEN}
    return {
        "element_history": {key: History(count, weeks) for key, count in elements.items()},
        "site_history": {site: History(count, weeks) for site, count in sites.items()},
    }
