"""What the reader of a suppressed table knows: the relations between its counts, and what
each mark tells them ("<t" is 1..t-1, "*" is t or more, "–" could be anything)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

SMALL = "small"  # 1..t-1, printed as "<t"
SECONDARY = "secondary"  # hidden so a small count cannot be worked out, printed as "*"
WITHHELD = "withheld"  # a whole group that could not be protected otherwise, printed as "–"
SECONDARY_MARK = "*"
WITHHELD_MARK = "–"


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
