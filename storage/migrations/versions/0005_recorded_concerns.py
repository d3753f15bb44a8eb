"""every case recorded: how a concern reached the trust, and who recorded it

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("concerns") as batch:
        batch.add_column(
            sa.Column("raised_via", sa.String(length=20), nullable=False, server_default="slack")
        )
        batch.add_column(sa.Column("recorded_by", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("concerns", "recorded_by")
    op.drop_column("concerns", "raised_via")
