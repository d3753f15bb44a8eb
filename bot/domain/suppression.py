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

from bot.domain.suppression_relations import (
    SECONDARY,
    SECONDARY_MARK,
    SMALL,
    WITHHELD,
    WITHHELD_MARK,
    Relation,
    adds_up,
    at_least,
    covers,
)
from bot.domain.suppression_search import Solver

__all__ = [
    "MIN_THRESHOLD",
    "PERCENT_MIN_DENOMINATOR",
    "SECONDARY",
    "SECONDARY_MARK",
    "SMALL",
    "WITHHELD",
    "WITHHELD_MARK",
    "Relation",
    "Suppressed",
    "adds_up",
    "at_least",
    "covers",
    "suppress",
]

PERCENT_MIN_DENOMINATOR = 10
MIN_THRESHOLD = 3  # with 2, "<2" could only mean 1


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
    solver = Solver(values, relations, threshold, unprinted_set)
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
