"""no-contact concerns keep fewer traces: a keyed receipt locator, and its first group sealed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.migrations.columns import refuse_downgrade_while

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # Keyed tags (32 characters) replace the receipt's first group in clear. Rows written
    # before keep their clear group until the receipt is next used, when it is re-tagged (a
    # migration holds no keys to do it here).
    _locator_length(64, was=8)
    # The receipt's first group sealed with the concern's data key, so a key rotation can
    # re-derive the tag without the receipt.
    op.add_column("concerns", sa.Column("receipt_group_enc", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # The older release finds a receipt by its first group in clear: a keyed locator would
    # leave its reporter locked out, and the sealed group would be lost.
    refuse_downgrade_while(
        "receipt_group_enc IS NOT NULL OR length(receipt_locator) > 8",
        "concerns have keyed receipt locators, which the previous release cannot look up",
    )
    op.drop_column("concerns", "receipt_group_enc")
    _locator_length(8, was=64)


def _locator_length(length: int, *, was: int) -> None:
    # SQLite does not enforce a VARCHAR's length, and rebuilding the table there would trip
    # over the timeline's foreign keys.
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "concerns",
            "receipt_locator",
            type_=sa.String(length=length),
            existing_type=sa.String(length=was),
        )
