"""The reader's view of a suppressed table: given what is printed and every relation the
reader knows, can a hidden count be worked out? Decided exactly, by search: a hidden count is
safe only when some assignment of every hidden count, each within what its mark allows,
satisfies every relation and gives it a different value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.domain.suppression_relations import SECONDARY, SMALL, WITHHELD, Relation

_SEARCH_BUDGET = 400  # search steps per hidden count; beyond it, assume it is recoverable

_Bounds = dict[str, tuple[int, int | None]]  # inclusive; None = no upper limit
_REPAIR_DEPTH = 4


class Solver:
    """Answers, for one table of counts and its relations, whether a hidden count can be
    worked out from what a given set of marks leaves printed."""

    def __init__(
        self,
        values: Mapping[str, int],
        relations: Sequence[Relation],
        threshold: int,
        unprinted: frozenset[str],
    ) -> None:
        self.values = values
        self.relations = relations
        self.threshold = threshold
        self.unprinted = unprinted
        self.touching: dict[str, list[Relation]] = {name: [] for name in values}
        for relation in relations:
            for name in relation.names:
                self.touching[name].append(relation)

    def component(self, start: str) -> list[str]:
        """Every count linked to `start` through relations."""
        seen, todo = {start}, [start]
        while todo:
            for relation in self.touching[todo.pop()]:
                for name in relation.names:
                    if name not in seen:
                        seen.add(name)
                        todo.append(name)
        return [name for name in self.values if name in seen]

    def _domain(self, name: str, hidden: Mapping[str, str]) -> tuple[int, int | None]:
        if name in self.unprinted:
            return 0, None
        how = hidden.get(name)
        if how == SMALL:
            return 1, self.threshold - 1
        if how == SECONDARY:
            return self.threshold, None
        if how == WITHHELD:
            return 0, None
        value = self.values[name]
        return value, value

    def recoverable(self, name: str, hidden: Mapping[str, str]) -> bool:
        """True unless an assignment consistent with everything printed gives `name` another
        value (found by search; if the search runs out of budget, assume it is recoverable)."""
        names = self.component(name)
        member = set(names)
        relations = [r for r in self.relations if r.names and r.names[0] in member]
        bounds: _Bounds = {n: self._domain(n, hidden) for n in names}
        tightened = _propagate(bounds, relations)
        if tightened is None:  # cannot happen: the true values satisfy everything
            raise AssertionError("the printed figures contradict themselves")
        true = self.values[name]
        candidates = _candidates(tightened[name], true)
        if not candidates:
            return True
        touching = {n: [r for r in self.touching[n] if r.names[0] in member] for n in names}
        # Most witnesses are a small chain of compensating changes from the true values.
        for candidate in candidates[:4]:
            values = {n: self.values[n] for n in names}
            values[name] = candidate
            if _repair(values, tightened, touching, relations, {name}, _REPAIR_DEPTH):
                return False
        budget = [_SEARCH_BUDGET]
        for candidate in candidates:
            trial = dict(tightened)
            trial[name] = (candidate, candidate)
            if _search(trial, relations, self.values, budget):
                return False
            if budget[0] <= 0:
                return True
        return True


def _violated(relations: Iterable[Relation], values: Mapping[str, int]) -> Relation | None:
    for relation in relations:
        if not relation.holds(values):
            return relation
    return None


def _repair(
    values: dict[str, int],
    bounds: _Bounds,
    touching: Mapping[str, list[Relation]],
    relations: Sequence[Relation],
    changed: set[str],
    depth: int,
) -> bool:
    """Make every relation hold again by changing counts not yet changed, one relation at a
    time (depth-limited); `values` is left as the witness when it succeeds."""
    broken = _violated((r for n in changed for r in touching[n]), values)
    if broken is None:
        return _violated(relations, values) is None
    if depth == 0:
        return False
    total = sum(coefficient * values[n] for n, coefficient in broken.terms)
    for other, coefficient in broken.terms:
        if other in changed:
            continue
        low, high = bounds[other]
        if high is not None and low == high:
            continue
        # Move `other` just enough: the sum must reach 0 (exact) or at least 0.
        needed = -total * coefficient
        new = values[other] + needed
        if not broken.exact and total >= 0:
            continue
        if new < low or (high is not None and new > high):
            continue
        old = values[other]
        values[other] = new
        changed.add(other)
        if _repair(values, bounds, touching, relations, changed, depth - 1):
            return True
        changed.discard(other)
        values[other] = old
    return False


def _candidates(bound: tuple[int, int | None], true: int) -> list[int]:
    """Values other than the true one to try, nearest first (a witness is usually next door)."""
    low, high = bound
    found: list[int] = []
    for step in range(1, 40):
        for value in (true - step, true + step):
            if value >= low and (high is None or value <= high) and value not in found:
                found.append(value)
    if high is not None and high != true and high not in found:
        found.append(high)
    if low != true and low not in found:
        found.append(low)
    return found


def _term_range(bound: tuple[int, int | None], coefficient: int) -> tuple[int | None, int | None]:
    """Range of coefficient * count; None is minus (low) or plus (high) infinity."""
    low, high = bound
    if coefficient > 0:
        return low, high
    return (None if high is None else -high), -low


def _propagate(bounds: _Bounds, relations: Sequence[Relation]) -> _Bounds | None:
    """Tighten every count's bounds by every relation until nothing changes; None if a
    relation cannot be satisfied."""
    bounds = dict(bounds)
    changed = True
    while changed:
        changed = False
        for relation in relations:
            ranges = [_term_range(bounds[n], c) for n, c in relation.terms]
            low_sum = sum(low for low, _ in ranges if low is not None)
            low_open = sum(1 for low, _ in ranges if low is None)
            high_sum = sum(high for _, high in ranges if high is not None)
            high_open = sum(1 for _, high in ranges if high is None)
            if high_open == 0 and high_sum < 0:
                return None
            if relation.exact and low_open == 0 and low_sum > 0:
                return None
            for (name, coefficient), (term_low, term_high) in zip(
                relation.terms, ranges, strict=True
            ):
                # What the other terms can add up to.
                rest_high = (
                    None if high_open - (term_high is None) > 0 else high_sum - (term_high or 0)
                )
                rest_low = None if low_open - (term_low is None) > 0 else low_sum - (term_low or 0)
                # term + rest >= 0 (== 0 when exact): term >= -rest_high, term <= -rest_low.
                floor = None if rest_high is None else -rest_high
                ceiling = None if not relation.exact or rest_low is None else -rest_low
                low, high = bounds[name]
                new_low, new_high = low, high
                if coefficient > 0:
                    if floor is not None:
                        new_low = max(low, floor)
                    if ceiling is not None:
                        new_high = ceiling if high is None else min(high, ceiling)
                else:
                    if floor is not None:
                        new_high = -floor if high is None else min(high, -floor)
                    if ceiling is not None:
                        new_low = max(low, -ceiling)
                if new_high is not None and new_low > new_high:
                    return None
                if (new_low, new_high) != (low, high):
                    bounds[name] = (new_low, new_high)
                    changed = True
    return bounds


def _width(bound: tuple[int, int | None]) -> float:
    low, high = bound
    return float("inf") if high is None else float(high - low)


def _search(
    bounds: _Bounds, relations: Sequence[Relation], near: Mapping[str, int], budget: list[int]
) -> bool:
    """Depth-first search for one assignment within `bounds` satisfying every relation."""
    budget[0] -= 1
    if budget[0] <= 0:
        return False
    tightened = _propagate(bounds, relations)
    if tightened is None:
        return False
    open_names = [n for n, (low, high) in tightened.items() if high is None or high > low]
    if not open_names:
        fixed = {n: low for n, (low, _) in tightened.items()}
        return all(relation.holds(fixed) for relation in relations)
    # The most constrained count first; values near its true value first.
    name = min(open_names, key=lambda n: _width(tightened[n]))
    low, high = tightened[name]
    target = min(max(near[name], low), high if high is not None else near[name])
    tried: list[int] = []
    for step in range(0, 60):
        for value in (target - step, target + step):
            if value < low or (high is not None and value > high) or value in tried:
                continue
            tried.append(value)
            trial = dict(tightened)
            trial[name] = (value, value)
            if _search(trial, relations, near, budget):
                return True
            if budget[0] <= 0:
                return False
        if high is not None and len(tried) >= high - low + 1:
            break
    return False
