"""an index of the pending outbox items by lane, so finding each lane's oldest pending item
(what the worker may deliver next) is one index probe per item

Before it, on a PostgreSQL database without statistics (a new one, or the first rush after an
install), the worker's "what is due?" compared every pending item with every other: 1.1 s a
query with 1,600 items pending, asked again every time the worker woke while the rush was
still coming in, on the CPUs that were answering the people raising concerns.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from storage.migrations.indexes import create_partial_index

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    create_partial_index("ix_outbox_pending_lane", "outbox", ["lane", "id"], "status = 'pending'")


def downgrade() -> None:
    op.drop_index("ix_outbox_pending_lane", table_name="outbox")
