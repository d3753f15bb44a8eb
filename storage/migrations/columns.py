"""Adding and dropping columns the way every revision since 0003 does.

Revisions already applied import these: what they emit must never change, or an old revision
would no longer build the schema it built.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op


def add_columns(table: str, *columns: sa.Column[Any]) -> None:
    """Add the columns in one batch: plain ALTER TABLE … ADD COLUMN, on SQLite too."""
    with op.batch_alter_table(table) as batch:
        for column in columns:
            batch.add_column(column)


def drop_columns(table: str, *names: str) -> None:
    """Drop the columns, in the order named."""
    # Native DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the table, which the
    # foreign keys of rows that reference it refuse.
    for name in names:
        op.drop_column(table, name)
