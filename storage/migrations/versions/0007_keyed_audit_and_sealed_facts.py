"""keyed audit chain with a MAC'd head; access facts sealed with each concern's data key

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

A migration runs without the keys, so it cannot MAC or re-seal anything. What it does:

- audit_log gains key_id. Entries already there keep their plain SHA-256 chain and no key
  id: the legacy part. The head row starts unsealed at the newest of them; the first entry
  the app appends after the upgrade records where the legacy part ends (legacy_through) in
  the head's MAC, and from then on every entry must carry a keyed MAC.
- concerns gain seal_version (1 for every existing row: opened the old way) and
  index_key_id (the key of reporter_index, which until now was always the wrapping key).
  `speakup keys rotate` re-seals version-1 rows; new rows are sealed at version 2.
- concern_events gain facts_tag, null on existing rows until they are re-sealed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry_mac", sa.String(length=64), nullable=False),
        sa.Column("legacy_through", sa.Integer(), nullable=True),
        sa.Column("key_id", sa.String(length=16), nullable=True),
        sa.Column("mac", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    newest = (
        op.get_bind()
        .execute(sa.text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"))
        .first()
    )
    seq, entry_mac = (newest[0], newest[1]) if newest else (0, GENESIS)
    op.bulk_insert(head, [{"id": 1, "seq": seq, "entry_mac": entry_mac}])
    op.create_table(
        "audit_keys",
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("wrapped_by", sa.String(length=16), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
    )
    with op.batch_alter_table("concerns") as batch:
        batch.add_column(
            sa.Column("seal_version", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(sa.Column("index_key_id", sa.String(length=16), nullable=True))
    op.execute("UPDATE concerns SET index_key_id = key_id WHERE reporter_index IS NOT NULL")
    with op.batch_alter_table("concern_events") as batch:
        batch.add_column(sa.Column("facts_tag", sa.String(length=64), nullable=True))


def downgrade() -> None:
    sealed = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM concerns WHERE seal_version > 1"))
        .scalar()
    )
    if sealed:
        # The older release cannot open them: their data keys are wrapped with the facts.
        raise RuntimeError(
            f"{sealed} concerns are sealed with their access facts; the previous release "
            "cannot open them, so this downgrade would lose them"
        )
    op.drop_column("concern_events", "facts_tag")
    op.drop_column("concerns", "index_key_id")
    op.drop_column("concerns", "seal_version")
    op.drop_table("audit_keys")
    op.drop_table("audit_head")
    op.drop_column("audit_log", "key_id")
