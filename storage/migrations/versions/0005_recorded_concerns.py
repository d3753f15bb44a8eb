"""every case recorded: how a concern reached the trust, and who recorded it

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations.columns import add_columns, drop_columns, refuse_downgrade_while

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    add_columns(
        "concerns",
        sa.Column("raised_via", sa.String(length=20), nullable=False, server_default="slack"),
        sa.Column("recorded_by", sa.String(length=32), nullable=True),
    )


def downgrade() -> None:
    refuse_downgrade_while(
        "recorded_by IS NOT NULL OR raised_via <> 'slack'",
        "concerns were recorded by a guardian, which the previous release would take for "
        "concerns raised in Slack",
    )
    drop_columns("concerns", "recorded_by", "raised_via")
