"""Small-number suppression for every aggregate leaders see (SPEC §3 rule 4).

A figure is a named count. Counts of 1 to t-1 are shown as "<t" (primary suppression). Then,
as long as some hidden count could still be worked out from what is printed, using every
relation the reader knows (a line of figures adding up to a printed total, a multi-select
breakdown covering its total, one group of cases being at least as large as another), the
smallest visible count that takes part in a relation with it is hidden too, shown as "*"
(secondary suppression), and the check starts again until nothing can be recovered.

"Recovered" is decided exactly, by search: a hidden count is safe only when some assignment
of every hidden count, each within what its mark tells the reader, satisfies every relation
and gives it a different value. The reader is assumed to know this algorithm: "<t" means
1..t-1, "*" means t or more (zeros and small counts are never hidden secondarily), and a
count that is never printed (a complement, say "raised openly" beside "raised anonymously")
could be anything from 0 up.

Counts exempt from suppression (process figures such as safeguarding referrals, which
describe what the trust did, not who spoke up) are printed as they are and must not share a
relation with suppressed ones; `suppress` refuses a relation that mixes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

SMALL = "small"  # 1..t-1, printed as "<t"
SECONDARY = "secondary"  # hidden so a small count cannot be worked out, printed as "*"
WITHHELD = "withheld"  # a whole group that could not be protected otherwise, printed as "–"
SECONDARY_MARK = "*"
WITHHELD_MARK = "–"
PERCENT_MIN_DENOMINATOR = 10
MIN_THRESHOLD = 3  # with 2, "<2" could only mean 1
_SEARCH_BUDGET = 400  # search steps per hidden count; beyond it, assume it is recoverable


@dataclass(frozen=True)
class Relation:
    """sum(coefficient * count) == 0 (exact) or >= 0; coefficients are +1 or -1."""

    terms: tuple[tuple[str, int], ...]
    exact: bool

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.terms)

    def holds(self, values: Mapping[str, int]) -> bool:
        total = sum(coefficient * values[name] for name, coefficient in self.terms)
        return total == 0 if self.exact else total >= 0


def adds_up(total: str, parts: Iterable[str]) -> Relation:
    """The parts add up to the total (a line with its printed total)."""
    return Relation((*((part, 1) for part in parts), (total, -1)), exact=True)


def at_least(larger: Iterable[str], smaller: Iterable[str]) -> Relation:
    """The sum of `larger` is at least the sum of `smaller`."""
    return Relation(
        tuple((name, 1) for name in larger) + tuple((name, -1) for name in smaller), exact=False
    )


def covers(total: str, parts: Sequence[str]) -> list[Relation]:
    """A multi-select breakdown: each part is at most the total, and every case is in at least
    one part, so the parts add up to at least the total."""
    return [at_least([total], [part]) for part in parts] + [at_least(parts, [total])]


@dataclass(frozen=True)
class Suppressed:
    """What may be printed: each printed count's text, and which counts are hidden why."""

    threshold: int
    values: Mapping[str, int] = field(repr=False)  # the true counts: never print these
    hidden: Mapping[str, str]  # name -> SMALL | SECONDARY | WITHHELD
    printed: frozenset[str]

    def text(self, name: str) -> str:
        """The count as printed: "0", "12", "<5", "*" or "–"."""
        if name not in self.printed:
            raise KeyError(f"{name} is not a printed figure")
        how = self.hidden.get(name)
        if how == SMALL:
            return f"<{self.threshold}"
        if how == SECONDARY:
            return SECONDARY_MARK
        if how == WITHHELD:
            return WITHHELD_MARK
        return f"{self.values[name]:,}"

    def number(self, name: str) -> int | None:
        """The count if it is printed as a number, else None."""
        if name not in self.printed or name in self.hidden:
            return None
        return self.values[name]

    def share(self, part: str, whole: str) -> str | None:
        """A whole percentage, only when both counts are printed and the whole is at least
        ten (a percentage of a shown count gives nothing away; of a tiny one it misleads)."""
        numerator, denominator = self.number(part), self.number(whole)
        if numerator is None or denominator is None or denominator < PERCENT_MIN_DENOMINATOR:
            return None
        return f"{round(100 * numerator / denominator)}%"


def suppress(
    values: Mapping[str, int],
    relations: Sequence[Relation],
    threshold: int,
    *,
    unprinted: Iterable[str] = (),
    exempt: Iterable[str] = (),
) -> Suppressed:
    """Hide small counts, then hide more until no hidden count can be worked out."""
    if threshold < MIN_THRESHOLD:
        raise ValueError(f"the suppression threshold must be at least {MIN_THRESHOLD}")
    unprinted_set, exempt_set = frozenset(unprinted), frozenset(exempt)
    for relation in relations:
        for name in relation.names:
            if name not in values:
                raise ValueError(f"relation names an unknown count {name!r}")
        if exempt_set.intersection(relation.names):
            raise ValueError("an exempt count may not share a relation with suppressed ones")
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"count {name!r} is negative")
    order = list(values)
    hidden: dict[str, str] = {
        name: SMALL
        for name in order
        if name not in exempt_set and name not in unprinted_set and 0 < values[name] < threshold
    }
    solver = _Solver(values, relations, threshold, unprinted_set)
    while True:
        exposed = next(
            (
                name
                for name in order
                if _protected(name, values, hidden, unprinted_set, threshold)
                and solver.recoverable(name, hidden)
            ),
            None,
        )
        if exposed is None:
            break
        extra = _next_to_hide(exposed, values, relations, hidden, unprinted_set, exempt_set)
        if extra is not None:
            hidden[extra] = SECONDARY
            continue
        # Nothing visible and non-zero is left to hide: withhold (zeros and small counts
        # alike) what shares a relation with it, or failing that its whole connected group.
        nearby = [n for r in relations if exposed in r.names for n in r.names]
        for group in (nearby, solver.component(exposed)):
            widened = [
                n
                for n in group
                if n not in unprinted_set and n not in exempt_set and hidden.get(n) != WITHHELD
            ]
            if widened:
                hidden.update(dict.fromkeys(widened, WITHHELD))
                break
        else:
            raise AssertionError("a count stays recoverable with everything withheld")
    printed = frozenset(name for name in order if name not in unprinted_set)
    return Suppressed(threshold, dict(values), hidden, printed)


def _protected(
    name: str, values: Mapping[str, int], hidden: Mapping[str, str], unprinted: frozenset[str],
    threshold: int,
) -> bool:  # fmt: skip
    """Whether this count must not be recoverable: every hidden printed count, and every
    never-printed count that is small."""
    if name in unprinted:
        return 0 < values[name] < threshold
    return hidden.get(name) in (SMALL, SECONDARY)


def _next_to_hide(
    exposed: str,
    values: Mapping[str, int],
    relations: Sequence[Relation],
    hidden: Mapping[str, str],
    unprinted: frozenset[str],
    exempt: frozenset[str],
) -> str | None:
    """The smallest visible, non-zero, suppressible count sharing a relation with `exposed`;
    failing that, with the counts those relations link it to, and so on outwards."""
    seen_relations: set[int] = set()
    frontier = {exposed}
    reached = {exposed}
    while frontier:
        candidates: list[str] = []
        next_frontier: set[str] = set()
        for index, relation in enumerate(relations):
            if index in seen_relations or not frontier.intersection(relation.names):
                continue
            seen_relations.add(index)
            for name in relation.names:
                if name not in reached:
                    reached.add(name)
                    next_frontier.add(name)
                if (
                    name not in hidden
                    and name not in unprinted
                    and name not in exempt
                    and values[name] > 0
                    and name not in candidates
                ):
                    candidates.append(name)
        if candidates:
            return min(candidates, key=lambda name: values[name])
        frontier = next_frontier
    return None


# --- the reader's view: what each mark allows, and an exact search -------------------------

_Bounds = dict[str, tuple[int, int | None]]  # inclusive; None = no upper limit
_REPAIR_DEPTH = 4


class _Solver:
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
