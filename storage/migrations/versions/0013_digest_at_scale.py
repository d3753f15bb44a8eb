"""indexes that let the leaders' digest read only what it counts: speak-up cases by the
time they were raised (with the plain columns it groups by), acknowledged and closed (with
when they were raised, for the days taken)

On PostgreSQL the included columns let the passes over cases raised, acknowledged and
closed be answered from the index alone; SQLite ignores INCLUDE and keeps the partial
indexes on their key.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

from storage.migrations.indexes import create_partial_index

revision = "0013"
down_revision = "0012"

_SPEAK_UP = "kind = 'speak_up'"


def upgrade() -> None:
    create_partial_index(
        "ix_concerns_speak_up_raised",
        "concerns",
        ["created_at"],
        _SPEAK_UP,
        include=["site", "professional_group", "identity_mode", "detriment", "elements"],
    )
    create_partial_index(
        "ix_concerns_speak_up_acknowledged",
        "concerns",
        ["acknowledged_at"],
        _SPEAK_UP,
        include=["created_at"],
    )
    create_partial_index(
        "ix_concerns_speak_up_closed",
        "concerns",
        ["closed_at"],
        _SPEAK_UP,
        include=["created_at", "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_concerns_speak_up_closed", table_name="concerns")
    op.drop_index("ix_concerns_speak_up_acknowledged", table_name="concerns")
    op.drop_index("ix_concerns_speak_up_raised", table_name="concerns")
