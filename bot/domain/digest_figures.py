"""The leaders' weekly digest as figures: which counts it prints, how they relate, and the
suppressed, printable result (plain values in and out; the flow counts, the view draws).

Everything about speak-up cases is suppressed together, with every relation a reader could
use between the printed counts: breakdowns add up to (or, for multi-select elements, cover)
the cases raised in the 13 weeks, which are the weekly counts of the trend; open cases by age
add up to the open total; and the trend bounds the ages (a case raised in the last k weeks is
either still open, and young, or closed within those weeks). Safeguarding process counts and
delivery failures describe what the trust did, not who spoke up, and are printed as they are:
they share no relation with the suppressed counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.domain.suppression import Relation, Suppressed, adds_up, at_least, covers, suppress
from bot.domain.taxonomy import ELEMENTS, FEEDBACK_ANSWERS, PROFESSIONAL_GROUPS

WEEKS = 13  # the trend, and the rolling window (91 days) every breakdown covers
MIN_SAMPLE = 10  # medians, percentiles and percentages need at least this many cases
HOTSPOT_FACTOR = 2
HISTORY_WEEKS = 52
# Open cases by age in whole days at the end of the reported week: (label, first, last).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0–7 days", 0, 7),
    ("8–30 days", 8, 30),
    ("31–90 days", 31, 90),
    ("over 90 days", 91, None),
)
OVERDUE_LABELS = {
    "ack": "Acknowledge",
    "update": "Update the reporter",
    "feedback": "Feedback to the reporter",
}
NOT_GIVEN = ""  # a site or staff group the reporter did not give


class DigestInconsistent(Exception):
    """The counts contradict each other (data changed between queries): count again."""


@dataclass(frozen=True)
class Timing:
    """Days from raised to acknowledged (or closed): median and 90th percentile."""

    median_days: float | None = None
    p90_days: float | None = None
    cases: int = 0


@dataclass(frozen=True)
class Safeguarding:
    raised: int = 0
    referred: int = 0
    referral_overdue: int = 0
    oldest_overdue_hours: int | None = None
    awaiting_acknowledgement: int = 0
    closed_without_referral: int = 0


@dataclass(frozen=True)
class History:
    """How often an element or site came up in the weeks before the window."""

    count: int
    weeks: int  # how many weeks of history there were (at most HISTORY_WEEKS)


@dataclass(frozen=True)
class RawCounts:
    """What the flow counted for one reported week (never printed as they are)."""

    week: str  # ISO week reported, e.g. 2026-W49
    first_day: str  # ISO dates, local
    last_day: str
    new: Sequence[int]  # speak-up cases raised per week, oldest week first, WEEKS of them
    closed: Sequence[int]
    elements: Mapping[str, int]  # element id (or "" for none recorded) -> cases in the window
    anonymous: int
    detriment: int
    sites: Mapping[str, int]  # site name ("" not given) -> cases in the window
    groups: Mapping[str, int]  # professional group id ("" not given) -> cases in the window
    feedback: Mapping[str, int]  # answer -> answers given in the window
    open_by_age: Sequence[int]  # one per AGE_BANDS
    overdue: Mapping[str, int]  # OVERDUE_LABELS key -> open cases with that deadline passed
    to_acknowledge: Timing = field(default_factory=Timing)
    to_close: Timing = field(default_factory=Timing)
    safeguarding: Safeguarding = field(default_factory=Safeguarding)
    undelivered: int = 0
    element_history: Mapping[str, History] = field(default_factory=dict)
    site_history: Mapping[str, History] = field(default_factory=dict)


@dataclass(frozen=True)
class DigestRules:
    threshold: int
    update_interval_days: int
    feedback_months: int


def _week(index: int) -> str:
    return f"new:{index}"


def cells(raw: RawCounts, rules: DigestRules) -> tuple[dict[str, int], list[Relation], set[str]]:
    """Every count the digest prints (and the complements it implies), with the relations a
    reader could use between them, and which are never printed."""
    if len(raw.new) != WEEKS or len(raw.closed) != WEEKS or len(raw.open_by_age) != 4:
        raise ValueError("the trend needs 13 weeks and four age bands")
    values: dict[str, int] = {}
    relations: list[Relation] = []
    # The trend, oldest week first; "this week" is its last column.
    for index in range(WEEKS):
        values[_week(index)] = raw.new[index]
        values[f"closed:{index}"] = raw.closed[index]
    raised = sum(raw.new)
    values["raised"] = raised
    relations.append(adds_up("raised", [_week(i) for i in range(WEEKS)]))

    element_cells = [f"element:{key}" for key in [*ELEMENTS, NOT_GIVEN]]
    for key, name in zip([*ELEMENTS, NOT_GIVEN], element_cells, strict=True):
        values[name] = raw.elements.get(key, 0)
    relations += covers("raised", element_cells)

    values["anonymous"], values["not_anonymous"] = raw.anonymous, raised - raw.anonymous
    relations.append(adds_up("raised", ["anonymous", "not_anonymous"]))
    values["detriment"], values["no_detriment"] = raw.detriment, raised - raw.detriment
    relations.append(adds_up("raised", ["detriment", "no_detriment"]))

    for prefix, counts in (("site", raw.sites), ("group", raw.groups)):
        names = [f"{prefix}:{key}" for key in counts]
        values.update({f"{prefix}:{key}": count for key, count in counts.items()})
        relations.append(adds_up("raised", names))

    answers = [f"feedback:{key}" for key in FEEDBACK_ANSWERS]
    for key, name in zip(FEEDBACK_ANSWERS, answers, strict=True):
        values[name] = raw.feedback.get(key, 0)
    values["feedback"] = sum(values[name] for name in answers)
    relations.append(adds_up("feedback", answers))

    bands = [f"age:{index}" for index in range(len(AGE_BANDS))]
    values.update(dict(zip(bands, raw.open_by_age, strict=True)))
    values["open"] = sum(raw.open_by_age)
    relations.append(adds_up("open", bands))
    for key in OVERDUE_LABELS:
        values[f"overdue:{key}"] = raw.overdue.get(key, 0)
    relations += _age_relations(bands, rules)

    for name, value in values.items():
        if value < 0:
            raise DigestInconsistent(f"{name} is negative")
    for relation in relations:
        if not relation.holds(values):
            raise DigestInconsistent("the counts contradict each other")
    return values, relations, {"not_anonymous", "no_detriment"}


def _age_relations(bands: list[str], rules: DigestRules) -> list[Relation]:
    """How the age bands relate to the trend and to overdue work."""
    relations: list[Relation] = []
    last = WEEKS - 1  # the reported week
    # A case raised in the last k weeks is at most 7k-1 days old: open in the young bands, or
    # closed in those weeks.
    for weeks in range(1, WEEKS + 1):
        young = [b for b, (_, first, _) in zip(bands, AGE_BANDS, strict=True)
                 if first <= 7 * weeks - 1]  # fmt: skip
        recent = [last - i for i in range(weeks)]
        relations.append(
            at_least(young + [f"closed:{i}" for i in recent], [_week(i) for i in recent])
        )
    # A band of ages holds only cases raised in the weeks spanning those ages.
    for first in range(len(AGE_BANDS)):
        for end in range(first, len(AGE_BANDS)):
            top = AGE_BANDS[end][2]
            if top is None:
                break
            low = AGE_BANDS[first][1]
            spanned = range(low // 7, top // 7 + 1)
            relations.append(at_least([_week(last - i) for i in spanned], bands[first : end + 1]))
    # Overdue work is open, and at least as old as the deadline's interval.
    minimum_age = {"ack": 0, "update": rules.update_interval_days,
                   "feedback": 28 * rules.feedback_months}  # fmt: skip
    for key, age in minimum_age.items():
        old = [b for b, (_, _, top) in zip(bands, AGE_BANDS, strict=True)
               if top is None or top >= age]  # fmt: skip
        relations.append(at_least(old, [f"overdue:{key}"]))
    return relations


def build_digest(raw: RawCounts, rules: DigestRules) -> dict[str, Any]:
    """The digest as printable, JSON-ready values: suppressed counts as text, never raw."""
    values, relations, unprinted = cells(raw, rules)
    shown = suppress(values, relations, rules.threshold, unprinted=unprinted)
    t = rules.threshold
    trend = [
        {"week": index, "new": shown.text(_week(index)), "closed": shown.text(f"closed:{index}")}
        for index in range(WEEKS)
    ]
    labels = {**ELEMENTS, NOT_GIVEN: "None recorded"}
    return {
        "week": raw.week,
        "first_day": raw.first_day,
        "last_day": raw.last_day,
        "threshold": t,
        "this_week": {
            "new": shown.text(_week(WEEKS - 1)),
            "closed": shown.text(f"closed:{WEEKS - 1}"),
            "open": shown.text("open"),
        },
        "trend": trend,
        "raised": shown.text("raised"),
        "elements": [
            {"label": labels[key], "count": shown.text(f"element:{key}")}
            for key in [*ELEMENTS, NOT_GIVEN]
        ],
        "anonymous": {
            "count": shown.text("anonymous"),
            "share": shown.share("anonymous", "raised"),
        },
        "detriment": {
            "count": shown.text("detriment"),
            "share": shown.share("detriment", "raised"),
        },
        "sites": _breakdown(shown, "site", raw.sites, {NOT_GIVEN: "Not given"}),
        "groups": _breakdown(
            shown, "group", raw.groups, {**PROFESSIONAL_GROUPS, NOT_GIVEN: "Not given"}
        ),
        "feedback": {
            "responses": shown.text("feedback"),
            "answers": [
                {"label": label, "count": shown.text(f"feedback:{key}")}
                for key, label in FEEDBACK_ANSWERS.items()
            ],
            "share_yes": shown.share("feedback:yes", "feedback"),
        },
        "open_by_age": [
            {"label": label, "count": shown.text(f"age:{index}")}
            for index, (label, _, _) in enumerate(AGE_BANDS)
        ],
        "overdue": [
            {"label": label, "count": shown.text(f"overdue:{key}")}
            for key, label in OVERDUE_LABELS.items()
        ],
        "to_acknowledge": _timing(raw.to_acknowledge),
        "to_close": _timing(raw.to_close),
        "safeguarding": {
            "raised": raw.safeguarding.raised,
            "referred": raw.safeguarding.referred,
            "referral_overdue": raw.safeguarding.referral_overdue,
            "oldest_overdue_hours": raw.safeguarding.oldest_overdue_hours,
            "awaiting_acknowledgement": raw.safeguarding.awaiting_acknowledgement,
            "closed_without_referral": raw.safeguarding.closed_without_referral,
        },
        "undelivered": raw.undelivered,
        "hotspots": _hotspots(raw, shown, labels),
        "hotspot_rule": hotspot_rule(t),
    }


def _breakdown(
    shown: Suppressed, prefix: str, counts: Mapping[str, int], labels: Mapping[str, str]
) -> list[dict[str, str]]:
    rows = [
        {"label": labels.get(key, key), "count": shown.text(f"{prefix}:{key}")}
        for key in counts
        if key != NOT_GIVEN
    ]
    if NOT_GIVEN in counts:
        rows.append({"label": labels[NOT_GIVEN], "count": shown.text(f"{prefix}:{NOT_GIVEN}")})
    return rows


def _timing(timing: Timing) -> dict[str, str] | None:
    """Only over enough cases that no one case's timing shows through."""
    if timing.cases < MIN_SAMPLE or timing.median_days is None or timing.p90_days is None:
        return None
    return {"median": f"{timing.median_days:.1f}", "p90": f"{timing.p90_days:.1f}"}


def hotspot_rule(threshold: int) -> str:
    return (
        f"A hotspot is an element or site with at least {threshold} cases in the last "
        f"{WEEKS} weeks and more than {HOTSPOT_FACTOR} times its own average for {WEEKS} "
        f"weeks over the previous year (needs at least {WEEKS} weeks of history)."
    )


def is_hotspot(count: int, history: History, threshold: int) -> bool:
    if history.weeks < WEEKS or count < threshold:
        return False
    usual = history.count * WEEKS / history.weeks
    return count > HOTSPOT_FACTOR * usual


def _hotspots(
    raw: RawCounts, shown: Suppressed, element_labels: Mapping[str, str]
) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    t = shown.threshold
    sources: tuple[tuple[str, Mapping[str, History], Mapping[str, str], str], ...] = (
        ("element", raw.element_history, element_labels, "Element"),
        ("site", raw.site_history, {}, "Site"),
    )
    for prefix, histories, labels, kind in sources:
        for key, history in histories.items():
            count = shown.number(f"{prefix}:{key}") if f"{prefix}:{key}" in shown.printed else None
            if key == NOT_GIVEN or count is None or not is_hotspot(count, history, t):
                continue
            # The previous year's count is printed on its own, so small ones are hidden too.
            before = history.count
            usual = f"{before * WEEKS / history.weeks:.1f}" if before == 0 or before >= t else None
            found.append(
                {
                    "label": f"{kind}: {labels.get(key, key)}",
                    "count": f"{count:,}",
                    "previous": "0" if before == 0 else (f"{before:,}" if before >= t else f"<{t}"),
                    "history_weeks": str(history.weeks),
                    "usual": usual or f"under {t * WEEKS / history.weeks:.1f}",
                }
            )
    return found
