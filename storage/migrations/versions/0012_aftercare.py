"""after closure: the detriment check-in (when asked, the answer) and the "you said, we did"
learning summaries (text sealed, a second guardian's approval)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.migrations.columns import add_columns, drop_columns, refuse_downgrade_while

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    add_columns(
        "concerns",
        sa.Column("checkin_sent_at", sa.DateTime(), nullable=True),
        sa.Column("checkin_answer", sa.String(length=8), nullable=True),
        sa.Column("checkin_answered_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "learning_summaries",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("concern_id", sa.String(length=36), sa.ForeignKey("concerns.id"), nullable=False),
        sa.Column("drafted_by", sa.String(length=32), nullable=False),
        sa.Column("drafted_at", sa.DateTime(), nullable=False),
        sa.Column("text_enc", sa.LargeBinary(), nullable=False),
        sa.Column("approved_by", sa.String(length=32), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("concern_id", name="uq_learning_summaries_concern_id"),
    )


def downgrade() -> None:
    refuse_downgrade_while(
        "checkin_answer IS NOT NULL",
        "concerns have their reporter's answer to the after-closure check-in, which the "
        "previous release has nowhere to keep",
    )
    refuse_downgrade_while(
        "id IS NOT NULL",
        "learning summaries were drafted, which the previous release has nowhere to keep",
        table="learning_summaries",
    )
    op.drop_table("learning_summaries")
    drop_columns("concerns", "checkin_answered_at", "checkin_answer", "checkin_sent_at")
