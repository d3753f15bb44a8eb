"""Rows that are only ever added in the transaction that writes them (a new concern, its
timeline events, audit entries, outbox items), each written with one prepared INSERT.

The ORM's unit of work costs milliseconds of Python per transaction, and raising a concern
runs while Slack waits for the answer; nothing changes these rows through the session that
adds them, so they do not need it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Insert, Table, insert
from sqlalchemy.orm import Session

from storage.models import Base

_INSERTS: dict[type[Base], Insert] = {}


def table_of(model: type[Base]) -> Table:
    """The model's table, for Core statements built once and reused."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def add_row(session: Session, model: type[Base], values: Mapping[str, Any]) -> None:
    """INSERT one row in the session's transaction, after the objects it holds pending (a row
    may refer to one added the ORM way)."""
    if session.new:
        session.flush()
    statement = _INSERTS.get(model)
    if statement is None:
        statement = _INSERTS[model] = insert(table_of(model))
    session.connection().execute(statement, dict(values))
