"""job runs hold a lease, so a period whose runner died is finished by another

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.migrations.columns import add_columns, drop_columns

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    add_columns(
        "job_runs",
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"),
    )
    # Periods claimed before leases existed were never marked finished: count them as done,
    # as the code that claimed them did.
    op.execute("UPDATE job_runs SET finished_at = claimed_at WHERE finished_at IS NULL")


def downgrade() -> None:
    drop_columns("job_runs", "attempts", "lease_until")
