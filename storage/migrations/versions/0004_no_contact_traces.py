"""no-contact concerns keep fewer traces: a keyed receipt locator, no lasting submission key

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("concerns") as batch:
        # Keyed tags replace the receipt's first group in clear. Rows written before keep
        # their clear group until the receipt is next used, when it is re-tagged (the
        # migration holds no keys to do it here).
        batch.alter_column("receipt_locator", type_=sa.String(length=64))
        # The receipt's first group sealed with the concern's data key, so a key rotation
        # can re-derive the tag without the receipt.
        batch.add_column(sa.Column("receipt_group_enc", sa.LargeBinary(), nullable=True))
        # No-contact submissions are remembered only for the replay window, elsewhere.
        batch.alter_column("submission_key", existing_type=sa.String(length=64), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("concerns") as batch:
        batch.alter_column("submission_key", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("receipt_group_enc")
        batch.alter_column("receipt_locator", type_=sa.String(length=8))
