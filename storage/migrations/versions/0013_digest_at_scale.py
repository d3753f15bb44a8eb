"""indexes that let the leaders' digest read only what it counts: speak-up cases by the
time they were raised (with the plain columns it groups by), acknowledged and closed (with
when they were raised, for the days taken), and safeguarding concerns not yet referred

On PostgreSQL the included columns let each of the digest's passes be answered from the
index alone; SQLite ignores INCLUDE and keeps the partial indexes on their key.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_SPEAK_UP = sa.text("kind = 'speak_up'")
_NOT_REFERRED = sa.text("kind = 'safeguarding' AND referral_made_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_concerns_speak_up_raised",
        "concerns",
        ["created_at"],
        postgresql_include=["site", "professional_group", "identity_mode", "detriment",
                            "elements"],
        postgresql_where=_SPEAK_UP,
        sqlite_where=_SPEAK_UP,
    )  # fmt: skip
    op.create_index(
        "ix_concerns_speak_up_acknowledged",
        "concerns",
        ["acknowledged_at"],
        postgresql_include=["created_at"],
        postgresql_where=_SPEAK_UP,
        sqlite_where=_SPEAK_UP,
    )
    op.create_index(
        "ix_concerns_speak_up_closed",
        "concerns",
        ["closed_at"],
        postgresql_include=["created_at", "status"],
        postgresql_where=_SPEAK_UP,
        sqlite_where=_SPEAK_UP,
    )
    op.create_index(
        "ix_concerns_safeguarding_not_referred",
        "concerns",
        ["created_at"],
        postgresql_where=_NOT_REFERRED,
        sqlite_where=_NOT_REFERRED,
    )


def downgrade() -> None:
    op.drop_index("ix_concerns_safeguarding_not_referred", table_name="concerns")
    op.drop_index("ix_concerns_speak_up_closed", table_name="concerns")
    op.drop_index("ix_concerns_speak_up_acknowledged", table_name="concerns")
    op.drop_index("ix_concerns_speak_up_raised", table_name="concerns")
