"""seal the referral's local authority (typed free text) like every other free text

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.migrations.columns import refuse_downgrade_while

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # No release has stored a referral yet, so there is no clear text to carry over.
    with op.batch_alter_table("concerns") as batch:
        batch.add_column(sa.Column("referral_authority_enc", sa.LargeBinary(), nullable=True))
        batch.drop_column("referral_authority")


def downgrade() -> None:
    # A migration holds no keys: the authority cannot be put back in clear.
    refuse_downgrade_while(
        "referral_authority_enc IS NOT NULL",
        "concerns have a sealed referral authority, which the previous release cannot read",
    )
    with op.batch_alter_table("concerns") as batch:
        batch.add_column(sa.Column("referral_authority", sa.String(length=120), nullable=True))
        batch.drop_column("referral_authority_enc")
