"""job runs hold a lease, so a period whose runner died is finished by another

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
    # Periods claimed before leases existed were never marked finished: count them as done,
    # as the code that claimed them did.
    op.execute("UPDATE job_runs SET finished_at = claimed_at WHERE finished_at IS NULL")


def downgrade() -> None:
    op.drop_column("job_runs", "attempts")
    op.drop_column("job_runs", "lease_until")
