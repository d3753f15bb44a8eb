"""recording fields that match the national collection: worker type, and when detriment was
indicated

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.migrations.columns import add_columns, drop_columns, refuse_downgrade_while

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    add_columns(
        "concerns",
        sa.Column("worker_type", sa.String(length=20), nullable=True),
        sa.Column("detriment_indicated_at", sa.DateTime(), nullable=True),
    )
    op.execute("UPDATE concerns SET detriment_indicated_at = created_at WHERE detriment = 'yes'")


def downgrade() -> None:
    refuse_downgrade_while(
        "worker_type IS NOT NULL OR detriment_indicated_at IS NOT NULL",
        "concerns have a worker type or the date detriment was indicated, which the previous "
        "release has nowhere to keep",
    )
    drop_columns("concerns", "detriment_indicated_at", "worker_type")
