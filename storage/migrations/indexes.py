"""Partial indexes the way revisions since 0009 create them.

Revisions already applied import this: what it emits must never change, or an old revision
would no longer build the schema it built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op


def create_partial_index(
    name: str, table: str, columns: Sequence[str], where: str, include: Sequence[str] = ()
) -> None:
    """An index over the rows `where` holds for, on PostgreSQL and SQLite alike.

    `include` adds covering columns on PostgreSQL, so a query can be answered from the index
    alone; SQLite has no INCLUDE and keeps the index on its key.
    """
    condition = sa.text(where)
    options: dict[str, Any] = {"postgresql_where": condition, "sqlite_where": condition}
    if include:
        options["postgresql_include"] = list(include)
    op.create_index(name, table, list(columns), **options)
