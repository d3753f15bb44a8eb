"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:

    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("concern_reference", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index(
        op.f("ix_audit_log_concern_reference"), "audit_log", ["concern_reference"], unique=False
    )
    op.create_table(
        "concerns",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("elements", sa.JSON(), nullable=False),
        sa.Column("identity_mode", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=24), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("at_risk", sa.String(length=16), nullable=True),
        sa.Column("detriment", sa.String(length=16), nullable=True),
        sa.Column("professional_group", sa.String(length=40), nullable=True),
        sa.Column("site", sa.String(length=80), nullable=True),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("feedback", sa.String(length=16), nullable=True),
        sa.Column("taxonomy_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("ack_due_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("last_reporter_update_at", sa.DateTime(), nullable=True),
        sa.Column("referral_authority", sa.String(length=120), nullable=True),
        sa.Column("referral_made_at", sa.DateTime(), nullable=True),
        sa.Column("referral_reference_enc", sa.LargeBinary(), nullable=True),
        sa.Column("referral_acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("report_enc", sa.LargeBinary(), nullable=False),
        sa.Column("reporter_enc", sa.LargeBinary(), nullable=True),
        sa.Column("reporter_index", sa.String(length=64), nullable=True),
        sa.Column("receipt_locator", sa.String(length=8), nullable=True),
        sa.Column("receipt_hash", sa.String(length=200), nullable=True),
        sa.Column("submission_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
        sa.UniqueConstraint("submission_key"),
    )
    op.create_index(
        op.f("ix_concerns_receipt_locator"), "concerns", ["receipt_locator"], unique=False
    )
    op.create_index(
        op.f("ix_concerns_reporter_index"), "concerns", ["reporter_index"], unique=False
    )
    op.create_index(op.f("ix_concerns_status"), "concerns", ["status"], unique=False)
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job", "period"),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "concern_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("concern_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("body_enc", sa.LargeBinary(), nullable=True),
        sa.Column("visible_to_reporter", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concerns.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index(
        op.f("ix_concern_events_concern_id"), "concern_events", ["concern_id"], unique=False
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("concern_id", sa.String(length=36), nullable=True),
        sa.Column("lane", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("result_channel", sa.String(length=32), nullable=True),
        sa.Column("result_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concerns.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index(op.f("ix_outbox_concern_id"), "outbox", ["concern_id"], unique=False)
    op.create_index(
        "ix_outbox_due", "outbox", ["status", "priority", "next_attempt_at"], unique=False
    )
    op.create_index(op.f("ix_outbox_lane"), "outbox", ["lane"], unique=False)


def downgrade() -> None:

    op.drop_index(op.f("ix_outbox_lane"), table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_index(op.f("ix_outbox_concern_id"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_concern_events_concern_id"), table_name="concern_events")
    op.drop_table("concern_events")
    op.drop_table("processed_events")
    op.drop_table("job_runs")
    op.drop_index(op.f("ix_concerns_status"), table_name="concerns")
    op.drop_index(op.f("ix_concerns_reporter_index"), table_name="concerns")
    op.drop_index(op.f("ix_concerns_receipt_locator"), table_name="concerns")
    op.drop_table("concerns")
    op.drop_index(op.f("ix_audit_log_concern_reference"), table_name="audit_log")
    op.drop_table("audit_log")
