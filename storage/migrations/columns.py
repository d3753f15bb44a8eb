"""Adding and dropping columns the way every revision since 0003 does, and refusing a
downgrade that would drop what people wrote or decided.

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


def refuse_downgrade_while(condition: str, because: str, table: str = "concerns") -> None:
    """Refuse the downgrade while any row of `table` meets `condition` (SQL, the revision's
    own): `because` says, after the count of those rows, why the previous release cannot have
    them. A refused downgrade changes nothing; restoring the backup taken before the upgrade
    is the way back."""
    held = (
        op.get_bind()
        .execute(sa.text(f"SELECT count(*) FROM {table} WHERE {condition}"))  # noqa: S608
        .scalar_one()
    )
    if held:
        raise RuntimeError(f"{held} {because}, so this downgrade is refused")
