"""Small-number suppression: nothing hidden can be worked out from what is printed.

An independent brute-force reader tries every value each hidden count could take (within
what its mark says) against every relation; each hidden count must be able to take at least
two values. The digest's own figures are checked the same way with the module's exact search
(its components are too large to enumerate), and for the plain rules: no printed count lies
between 1 and t-1, and percentages need a denominator of at least 10.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.digest_figures import (
    DigestRules,
    RawCounts,
    build_digest,
    cells,
)
from bot.domain.suppression import (
    SECONDARY,
    SMALL,
    WITHHELD,
    Relation,
    Suppressed,
    adds_up,
    covers,
    suppress,
)
from bot.domain.suppression_search import Solver


def reader_domain(shown: Suppressed, name: str, cap: int) -> range:
    t = shown.threshold
    how = shown.hidden.get(name)
    if name not in shown.printed or how == WITHHELD:
        return range(0, cap + 1)
    if how == SMALL:
        return range(1, t)
    if how == SECONDARY:
        return range(t, cap + 1)
    return range(shown.values[name], shown.values[name] + 1)


def brute_force_values(shown: Suppressed, relations: list[Relation], name: str) -> set[int]:
    """Every value `name` can take in some assignment consistent with what is printed: every
    combination of the hidden counts' values is tried (a relation is checked as soon as all
    its counts have a value). No count exceeds the largest there is, plus t."""
    cap = max(shown.values.values()) + shown.threshold
    fixed = {n: shown.values[n] for n in shown.values if len(reader_domain(shown, n, cap)) == 1}
    hidden = [n for n in shown.values if n not in fixed]
    ready: list[list[Relation]] = [[] for _ in hidden]
    for relation in relations:
        last = max((hidden.index(n) for n in relation.names if n in hidden), default=-1)
        if last >= 0:
            ready[last].append(relation)
    found: set[int] = set()

    def assign(index: int, values: dict[str, int]) -> None:
        if index == len(hidden):
            found.add(values[name])
            return
        for value in reader_domain(shown, hidden[index], cap):
            values[hidden[index]] = value
            if all(r.holds(values) for r in ready[index]):
                assign(index + 1, values)
        del values[hidden[index]]

    if all(r.holds(fixed) for r in relations if not set(r.names) & set(hidden)):
        assign(0, dict(fixed))
    return found


def protected(shown: Suppressed) -> list[str]:
    t = shown.threshold
    return [
        n
        for n in shown.values
        if (n in shown.printed and shown.hidden.get(n) in (SMALL, SECONDARY))
        or (n not in shown.printed and 0 < shown.values[n] < t)
    ]


def assert_nothing_small_shown(shown: Suppressed) -> None:
    for name in shown.printed:
        number = shown.number(name)
        assert number is None or number == 0 or number >= shown.threshold


@settings(max_examples=150, deadline=None)
@given(
    threshold=st.integers(3, 5),
    parts=st.lists(st.integers(0, 9), min_size=2, max_size=4),
    anonymous_share=st.integers(0, 9),
)
def test_a_line_and_its_complement_give_nothing_away(
    threshold: int, parts: list[int], anonymous_share: int
) -> None:
    total = sum(parts)
    values = {f"p{i}": v for i, v in enumerate(parts)} | {"total": total}
    anonymous = min(anonymous_share, total)
    values |= {"anon": anonymous, "rest": total - anonymous}
    relations = [
        adds_up("total", [f"p{i}" for i in range(len(parts))]),
        adds_up("total", ["anon", "rest"]),
    ]
    shown = suppress(values, relations, threshold, unprinted=["rest"])
    assert_nothing_small_shown(shown)
    for name in protected(shown):
        assert len(brute_force_values(shown, relations, name)) >= 2, (name, values)


@settings(max_examples=100, deadline=None)
@given(threshold=st.integers(3, 4), grid=st.lists(st.integers(0, 6), min_size=4, max_size=4))
def test_a_table_with_row_and_column_totals_gives_nothing_away(
    threshold: int, grid: list[int]
) -> None:
    a, b, c, d = grid
    values = {"a": a, "b": b, "c": c, "d": d, "r1": a + b, "r2": c + d, "c1": a + c,
              "c2": b + d}  # fmt: skip
    relations = [
        adds_up("r1", ["a", "b"]),
        adds_up("r2", ["c", "d"]),
        adds_up("c1", ["a", "c"]),
        adds_up("c2", ["b", "d"]),
    ]
    shown = suppress(values, relations, threshold)
    assert_nothing_small_shown(shown)
    for name in protected(shown):
        assert len(brute_force_values(shown, relations, name)) >= 2, (name, values)


@settings(max_examples=150, deadline=None)
@given(
    threshold=st.integers(3, 5),
    total=st.integers(1, 9),
    picks=st.lists(st.integers(0, 9), min_size=3, max_size=3),
)
def test_a_multi_select_breakdown_gives_nothing_away(
    threshold: int, total: int, picks: list[int]
) -> None:
    parts = [min(p, total) for p in picks]
    if sum(parts) < total:
        parts[0] = total  # every case has at least one element
    values = {f"e{i}": v for i, v in enumerate(parts)} | {"total": total}
    relations = covers("total", [f"e{i}" for i in range(3)])
    shown = suppress(values, relations, threshold)
    assert_nothing_small_shown(shown)
    for name in protected(shown):
        assert len(brute_force_values(shown, relations, name)) >= 2, (name, values)


# --- the digest, from random cases -----------------------------------------------------------

case = st.tuples(
    st.integers(0, 120),  # days old at the end of the week
    st.one_of(st.none(), st.integers(0, 120)),  # closed this many days before the end
    st.booleans(),  # anonymous
    st.booleans(),  # detriment
    st.sampled_from(["North", "South", ""]),
    st.sets(st.sampled_from(["patient_safety", "bullying_harassment", "other"]), min_size=1),
    st.sampled_from(["", "yes", "no"]),  # feedback given in the window
    st.integers(0, 2),  # overdue: none, acknowledgement, update
)


def raw_from(cases: list[tuple[object, ...]]) -> RawCounts:
    new, closed, ages = [0] * 13, [0] * 13, [0] * 4
    elements: dict[str, int] = {}
    sites: dict[str, int] = {"North": 0, "South": 0, "": 0}
    feedback: dict[str, int] = {}
    anonymous = detriment = 0
    overdue = {"ack": 0, "update": 0, "feedback": 0}
    for age, closed_ago, anon, harmed, site, chosen, answer, late in cases:
        assert isinstance(age, int) and isinstance(chosen, set)
        closed_ago = min(closed_ago, age) if isinstance(closed_ago, int) else None
        if age < 91:
            new[12 - age // 7] += 1
            anonymous += bool(anon)
            detriment += bool(harmed)
            sites[str(site)] += 1
            for element in chosen:
                elements[element] = elements.get(element, 0) + 1
        if closed_ago is not None and closed_ago < 91:
            closed[12 - closed_ago // 7] += 1
        if closed_ago is None:
            ages[0 if age <= 7 else 1 if age <= 30 else 2 if age <= 90 else 3] += 1
            if late == 1 and age >= 2:
                overdue["ack"] += 1
            if late == 2 and age >= 14:
                overdue["update"] += 1
        if answer and closed_ago is not None and closed_ago < 91:
            feedback[str(answer)] = feedback.get(str(answer), 0) + 1
    return RawCounts(
        week="2026-W10", first_day="2026-03-02", last_day="2026-03-08", new=new,
        closed=closed, elements=elements, anonymous=anonymous, detriment=detriment,
        sites=sites, groups={"": sum(new)}, feedback=feedback, open_by_age=ages,
        overdue=overdue,
    )  # fmt: skip


SHOWN_NUMBER = re.compile(r"^[0-9,]+$")


@settings(max_examples=60, deadline=None)
@given(threshold=st.integers(3, 5), cases=st.lists(case, max_size=40))
def test_no_suppressed_digest_count_can_be_recovered(
    threshold: int, cases: list[tuple[object, ...]]
) -> None:
    raw = raw_from(cases)
    rules = DigestRules(threshold, 14, 3)
    values, relations, unprinted = cells(raw, rules)
    shown = suppress(values, relations, threshold, unprinted=unprinted)
    assert_nothing_small_shown(shown)
    solver = Solver(values, relations, threshold, frozenset(unprinted))
    for name in protected(shown):
        assert not solver.recoverable(name, shown.hidden), name
    # What the message and the chart draw: every count-like text is 0, >= t, or a mark.
    digest = build_digest(raw, rules)
    texts = [w[k] for w in digest["trend"] for k in ("new", "closed")]
    for key in ("elements", "sites", "groups", "open_by_age", "overdue"):
        texts += [row["count"] for row in digest[key]]
    texts += [digest["raised"], digest["anonymous"]["count"], digest["detriment"]["count"]]
    texts += [row["count"] for row in digest["feedback"]["answers"]]
    for text in texts:
        if SHOWN_NUMBER.match(text):
            assert int(text.replace(",", "")) == 0 or int(text.replace(",", "")) >= threshold
        else:
            assert text in (f"<{threshold}", "*", "–")
    if digest["anonymous"]["share"] is not None:
        assert int(digest["raised"].replace(",", "")) >= 10
