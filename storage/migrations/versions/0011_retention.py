"""retention: a lead's legal hold, the month's shred key that wraps a closed concern's data
key, and when its content was destroyed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.migrations.columns import add_columns, drop_columns, refuse_downgrade_while

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    add_columns(
        "concerns",
        sa.Column("legal_hold_at", sa.DateTime(), nullable=True),
        sa.Column("legal_hold_by", sa.String(length=32), nullable=True),
        sa.Column("shred_month", sa.String(length=7), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_concerns_shred_month", "concerns", ["shred_month"])


def downgrade() -> None:
    shredded, destroyed = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT count(shred_month), count(destroyed_at) FROM concerns "
                "WHERE shred_month IS NOT NULL OR destroyed_at IS NOT NULL"
            )
        )
        .one()
    )
    if shredded or destroyed:
        # The older release knows neither: it would fail every such concern's integrity check.
        raise RuntimeError(
            f"{shredded} closed concerns are wrapped under shred keys and {destroyed} were "
            "destroyed; the previous release cannot tell either from tampering, so this "
            "downgrade is refused"
        )
    # A hold dropped here would not come back with the next upgrade, and retention would then
    # destroy what a lead had kept for an investigation or a tribunal.
    refuse_downgrade_while(
        "legal_hold_at IS NOT NULL",
        "concerns are under a legal hold, which the previous release has nowhere to keep",
    )
    op.drop_index("ix_concerns_shred_month", table_name="concerns")
    drop_columns("concerns", "destroyed_at", "shred_month", "legal_hold_by", "legal_hold_at")
