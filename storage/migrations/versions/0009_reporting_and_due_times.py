"""when feedback was given (the quarterly return counts it then), when a concern's next
deadline falls (the SLA sweep's indexed query), and indexes for the leaders' digest

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.migrations.columns import add_columns, drop_columns
from storage.migrations.indexes import create_partial_index

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    add_columns(
        "concerns",
        sa.Column("feedback_given_at", sa.DateTime(), nullable=True),
        sa.Column("next_due_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_concerns_next_due_at", "concerns", ["next_due_at"])
    op.create_index("ix_concerns_created_at", "concerns", ["created_at"])
    op.create_index("ix_concerns_closed_at", "concerns", ["closed_at"])
    op.create_index("ix_concerns_feedback_given_at", "concerns", ["feedback_given_at"])
    op.create_index("ix_concerns_referral_made_at", "concerns", ["referral_made_at"])
    op.create_index(
        "ix_concerns_open_work",
        "concerns",
        ["status", "kind", "created_at", "acknowledged_at", "ack_due_at",
         "last_reporter_update_at"],
    )  # fmt: skip
    create_partial_index(
        "ix_concerns_referral_awaiting",
        "concerns",
        ["referral_made_at"],
        "referral_made_at IS NOT NULL AND referral_acknowledged_at IS NULL",
    )
    op.create_index(
        "ix_concerns_referral_acknowledged_at", "concerns", ["referral_acknowledged_at"]
    )
    # Feedback already given: its timeline event says when.
    op.execute(
        "UPDATE concerns SET feedback_given_at = (SELECT max(e.at) FROM concern_events e "
        "WHERE e.concern_id = concerns.id AND e.kind = 'feedback') WHERE feedback IS NOT NULL"
    )
    # Open concerns are looked at by the next sweep, which sets their real next deadline.
    op.execute("UPDATE concerns SET next_due_at = created_at WHERE status <> 'closed'")


def downgrade() -> None:
    op.drop_index("ix_concerns_referral_acknowledged_at", table_name="concerns")
    op.drop_index("ix_concerns_referral_awaiting", table_name="concerns")
    op.drop_index("ix_concerns_open_work", table_name="concerns")
    op.drop_index("ix_concerns_referral_made_at", table_name="concerns")
    op.drop_index("ix_concerns_feedback_given_at", table_name="concerns")
    op.drop_index("ix_concerns_closed_at", table_name="concerns")
    op.drop_index("ix_concerns_created_at", table_name="concerns")
    op.drop_index("ix_concerns_next_due_at", table_name="concerns")
    drop_columns("concerns", "next_due_at", "feedback_given_at")
