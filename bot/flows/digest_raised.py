"""Cases raised, for the leaders' digest, in one pass over the weeks that matter: new cases
per week of the 13, those raised anonymously and with detriment, cases by site, staff group
and element over the 13 weeks, and each element's and site's cases in the up to 52 weeks
before them (the hotspots' history).

Grouped queries (a row per site, staff group and combination of elements: a few hundred at
most) with conditional counts for each figure, so the rows are read once, not once per
figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.digest_figures import HISTORY_WEEKS, NOT_GIVEN, WEEKS, History
from bot.domain.reporting_week import ReportedWeek
from bot.domain.taxonomy import PROFESSIONAL_GROUPS, ConcernKind, IdentityMode
from bot.flows.digest_sql import between, count_where, element_counts, element_text
from storage.models import Concern

_ANONYMOUS = (IdentityMode.ANONYMOUS_FOLLOW_UP.value, IdentityMode.ANONYMOUS_NO_CONTACT.value)


@dataclass(frozen=True)
class Raised:
    new: list[int]  # per week, oldest first
    anonymous: int
    detriment: int
    sites: dict[str, int]  # every known site (with 0), then any other seen, then NOT_GIVEN
    groups: dict[str, int]
    elements: dict[str, int]
    element_history: dict[str, History]
    site_history: dict[str, History]


def _history_weeks(session: Session, week: ReportedWeek) -> int | None:
    """How many whole weeks of history there are before the window (at most 52); None when
    nothing was ever raised."""
    first = session.scalar(
        select(func.min(Concern.created_at)).where(Concern.kind == ConcernKind.SPEAK_UP.value)
    )
    if first is None:
        return None
    return max(0, min(HISTORY_WEEKS, (week.window_start - first).days // 7))


def count_raised(session: Session, week: ReportedWeek, known_sites: tuple[str, ...]) -> Raised:
    """Every figure about cases raised: one grouped pass over the 13 weeks, one over the
    history before them (kept apart, so the per-week counts are not worked out for a year
    of rows that cannot match)."""
    speak_up = Concern.kind == ConcernKind.SPEAK_UP.value
    bounds = week.boundaries
    grouping = (Concern.site, Concern.professional_group, element_text())
    window = session.execute(
        select(
            *grouping,
            func.count(),
            count_where(Concern.identity_mode.in_(_ANONYMOUS)),
            count_where(Concern.detriment == "yes"),
            *[
                count_where(between(Concern.created_at, bounds[i], bounds[i + 1]))
                for i in range(WEEKS)
            ],
        )
        .where(speak_up, between(Concern.created_at, week.window_start, week.end))
        .group_by(*grouping)
    ).all()
    history_weeks = _history_weeks(session, week)
    history: list[Any] = []
    if history_weeks is not None:
        start = week.window_start - timedelta(weeks=history_weeks)
        history = list(
            session.execute(
                select(Concern.site, element_text(), func.count())
                .where(speak_up, between(Concern.created_at, start, week.window_start))
                .group_by(Concern.site, element_text())
            )
        )
    return _tally(list(window), history, known_sites, history_weeks)


def _tally(
    window: list[Any], history: list[Any], known_sites: tuple[str, ...], history_weeks: int | None
) -> Raised:
    new = [0] * WEEKS
    anonymous = detriment = 0
    sites: dict[str, int] = dict.fromkeys(known_sites, 0)
    groups: dict[str, int] = dict.fromkeys(PROFESSIONAL_GROUPS, 0)
    not_given = {"site": 0, "group": 0}
    combinations: list[tuple[str | None, int]] = []
    for site, group, chosen, cases, anonymous_here, detriment_here, *weekly in window:
        cases = int(cases)
        anonymous += int(anonymous_here)
        detriment += int(detriment_here)
        new = [total + int(count) for total, count in zip(new, weekly, strict=True)]
        combinations.append((chosen, cases))
        for value, counts, kind in ((site, sites, "site"), (group, groups, "group")):
            if value:
                counts[str(value)] = counts.get(str(value), 0) + cases
            else:
                not_given[kind] += cases
    sites[NOT_GIVEN], groups[NOT_GIVEN] = not_given["site"], not_given["group"]
    element_history: dict[str, History] = {}
    site_history: dict[str, History] = {}
    if history_weeks is not None:
        # Every site seen in the window has a history (0 if none), then any other seen before.
        past_sites = dict.fromkeys((s for s in sites if s != NOT_GIVEN), 0)
        for site, _, count in history:
            if site:
                past_sites[str(site)] = past_sites.get(str(site), 0) + int(count)
        past_elements = element_counts([(chosen, int(count)) for _, chosen, count in history])
        element_history = {
            key: History(count, history_weeks)
            for key, count in past_elements.items()
            if key != NOT_GIVEN
        }
        site_history = {site: History(count, history_weeks) for site, count in past_sites.items()}
    return Raised(
        new=new,
        anonymous=anonymous,
        detriment=detriment,
        sites=sites,
        groups=groups,
        elements=element_counts(combinations),
        element_history=element_history,
        site_history=site_history,
    )
