"""SQL building blocks shared by the leaders' digest counts: conditional counts, time
windows, open-at-a-moment and the elements' JSON text, all over plain columns."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, func, or_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.digest_figures import NOT_GIVEN
from bot.domain.taxonomy import ELEMENTS, Status
from storage.models import Concern

# Listed rather than "not closed", so the status index can find them.
OPEN_STATUSES = tuple(s.value for s in Status if s is not Status.CLOSED)


def open_at_end(end: datetime) -> ColumnElement[bool]:
    """Open at `end`: raised before it, and open now or closed since."""
    return and_(
        Concern.created_at < end, or_(Concern.status.in_(OPEN_STATUSES), Concern.closed_at >= end)
    )


def count_where(condition: ColumnElement[bool]) -> Any:
    """How many rows meet `condition` (0 rather than NULL over no rows)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def between(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def element_text() -> Any:
    # Elements are a JSON list of ids. Grouping by its text gives one row per combination
    # chosen (a few dozen at most), counted per element here, instead of a LIKE per element
    # on every row.
    return cast(Concern.elements, String)


def element_counts(combinations: list[tuple[str | None, int]]) -> dict[str, int]:
    """Cases per element (NOT_GIVEN: none recorded) from (JSON text, cases) pairs."""
    counts = dict.fromkeys([*ELEMENTS, NOT_GIVEN], 0)
    for text, cases in combinations:
        chosen = json.loads(text) if text else []
        for key in chosen or [NOT_GIVEN]:
            counts[str(key)] = counts.get(str(key), 0) + int(cases)
    return counts


def duration_seconds(session: Session, later: Any) -> Any:
    """Seconds from raised to `later`, in the database's own date arithmetic."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - Concern.created_at)
    return (func.julianday(later) - func.julianday(Concern.created_at)) * 86400.0
