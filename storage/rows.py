"""Rows that are only ever added in the transaction that writes them (a new concern, its
timeline events, audit entries, outbox items), each written with one prepared INSERT.

The ORM's unit of work costs milliseconds of Python per transaction, and raising a concern
runs while Slack waits for the answer; nothing changes these rows through the session that
adds them, so they do not need it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Insert, Table, bindparam, func, insert
from sqlalchemy.orm import Session

from storage.models import Base

_INSERTS: dict[type[Base], Insert] = {}
_HELD = "rows_held"  # key in Session.info: rows add_row holds back, by model


def table_of(model: type[Base]) -> Table:
    """The model's table, for Core statements built once and reused."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def unnested(**arrays: Any) -> Any:
    """A FROM clause whose rows are the bound arrays' elements side by side (PostgreSQL only):
    one statement for many rows that does not grow with them, as VALUES would."""
    return (
        func.unnest(*(bindparam(name, type_=kind) for name, kind in arrays.items()))
        .table_valued(*arrays)
        .render_derived()
    )


def _insert(model: type[Base]) -> Insert:
    statement = _INSERTS.get(model)
    if statement is None:
        statement = _INSERTS[model] = insert(table_of(model))
    return statement


def add_row(session: Session, model: type[Base], values: Mapping[str, Any]) -> None:
    """INSERT one row in the session's transaction, after the objects it holds pending (a row
    may refer to one added the ORM way); inside `rows_together`, at its end."""
    held: dict[type[Base], list[dict[str, Any]]] | None = session.info.get(_HELD)
    if held is not None:
        held.setdefault(model, []).append(dict(values))
        return
    if session.new:
        session.flush()
    session.connection().execute(_insert(model), dict(values))


@contextmanager
def rows_together(session: Session) -> Iterator[None]:
    """Hold back the rows add_row adds inside, then write them one statement a table.

    For several writes at once (storage.group_commit): a statement and, on PostgreSQL, a round
    trip for each table instead of each row. Tables are written in the order their first row
    came, so rows come after those they refer to, as they were added. Nothing inside may read
    back a row it added; a unique index still refuses a row, at the end instead of at once.
    """
    held: dict[type[Base], list[dict[str, Any]]] = {}
    session.info[_HELD] = held
    try:
        yield
    finally:
        del session.info[_HELD]
    if session.new:
        session.flush()
    connection = session.connection()
    for model, rows in held.items():
        connection.execute(_insert(model), rows)
