"""indexes for the daily digests; delivery alarms, one row per channel not taking cards

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_index(
        "ix_concerns_kind_status_closed", "concerns", ["kind", "status", "closed_at"], unique=False
    )
    op.create_index(
        "ix_concerns_referral_waiting",
        "concerns",
        ["kind", "referral_acknowledged_at", "referral_made_at"],
        unique=False,
    )
    op.create_table(
        "delivery_alarms",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("team", sa.String(length=20), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=False),
        sa.Column("cleared_at", sa.DateTime(), nullable=True),
        sa.Column("concerns", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("channel"),
    )


def downgrade() -> None:
    op.drop_table("delivery_alarms")
    op.drop_index("ix_concerns_referral_waiting", table_name="concerns")
    op.drop_index("ix_concerns_kind_status_closed", table_name="concerns")
