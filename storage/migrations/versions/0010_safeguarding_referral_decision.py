"""a safeguarding concern's referral decision: the chase of an unacknowledged referral, and
"no referral needed" with its reason (detail sealed) and a second member's confirmation

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations.columns import add_columns, drop_columns, refuse_downgrade_while

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    add_columns(
        "concerns",
        sa.Column("referral_chased_at", sa.DateTime(), nullable=True),
        sa.Column("no_referral_reason", sa.String(length=24), nullable=True),
        sa.Column("no_referral_detail_enc", sa.LargeBinary(), nullable=True),
        sa.Column("no_referral_by", sa.String(length=32), nullable=True),
        sa.Column("no_referral_at", sa.DateTime(), nullable=True),
        sa.Column("no_referral_confirmed_by", sa.String(length=32), nullable=True),
        sa.Column("no_referral_confirmed_at", sa.DateTime(), nullable=True),
    )


def downgrade() -> None:
    refuse_downgrade_while(
        "referral_chased_at IS NOT NULL OR no_referral_reason IS NOT NULL",
        'concerns have a referral chase or a "no referral needed" decision, which the '
        "previous release has nowhere to keep",
    )
    drop_columns(
        "concerns",
        "no_referral_confirmed_at",
        "no_referral_confirmed_by",
        "no_referral_at",
        "no_referral_by",
        "no_referral_detail_enc",
        "no_referral_reason",
        "referral_chased_at",
    )
