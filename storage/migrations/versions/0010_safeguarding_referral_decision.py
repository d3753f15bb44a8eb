"""a safeguarding concern's referral decision: the chase of an unacknowledged referral, and
"no referral needed" with its reason (detail sealed) and a second member's confirmation

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    with op.batch_alter_table("concerns") as batch:
        batch.add_column(sa.Column("referral_chased_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("no_referral_reason", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("no_referral_detail_enc", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("no_referral_by", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("no_referral_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("no_referral_confirmed_by", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("no_referral_confirmed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the concerns table, which
    # the foreign keys of rows that reference it refuse.
    for column in (
        "no_referral_confirmed_at",
        "no_referral_confirmed_by",
        "no_referral_at",
        "no_referral_by",
        "no_referral_detail_enc",
        "no_referral_reason",
        "referral_chased_at",
    ):
        op.drop_column("concerns", column)
