"""Many outbox items in one statement, each only if its key was never queued: the SLA sweep
queues a card refresh for every deadline that passed, hundreds at a time.

On PostgreSQL the items' fields are bound as one array each and unnested into a single
INSERT … ON CONFLICT DO NOTHING, so neither the statement nor its round trips grow with the
batch (an executemany sends a statement per item); elsewhere (SQLite, in process) one query
for the keys already queued, then one executemany.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Integer, String, bindparam, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from storage import outbox
from storage.models import OutboxItem
from storage.rows import rows_together, table_of, unnested


@dataclass(frozen=True)
class NewItem:
    """An item for enqueue_many_once: one without a payload. Its fields are outbox.enqueue's
    own keywords, so an item is queued elsewhere by passing them on."""

    kind: str
    lane: str
    idempotency_key: str
    concern_id: str | None
    priority: int


_ROWS = unnested(
    item_kind=ARRAY(String),
    item_lane=ARRAY(String),
    item_key=ARRAY(String),
    item_concern=ARRAY(String),
    item_priority=ARRAY(Integer),
)
_OUTBOX = table_of(OutboxItem)
_NOW = bindparam("now", type_=OutboxItem.created_at.type)
# One statement however many items: their fields arrive as one array each, so neither the
# statement nor its round trips grow with the batch; a key ever queued adds nothing.
_ENQUEUE_MANY = (
    pg_insert(_OUTBOX)
    .from_select(
        [
            "kind",
            "lane",
            "idempotency_key",
            "concern_id",
            "priority",
            "payload",
            "status",
            "attempts",
            "created_at",
            "next_attempt_at",
        ],
        select(
            _ROWS.c.item_kind,
            _ROWS.c.item_lane,
            _ROWS.c.item_key,
            _ROWS.c.item_concern,
            _ROWS.c.item_priority,
            literal({}, _OUTBOX.c.payload.type),
            literal(outbox.PENDING),
            literal(0),
            _NOW,
            _NOW,
        ),
    )
    .on_conflict_do_nothing(index_elements=[_OUTBOX.c.idempotency_key])
    .returning(_OUTBOX.c.idempotency_key)
)


def enqueue_many_once(session: Session, items: Sequence[NewItem], *, now: datetime) -> set[str]:
    """enqueue(once=True) for many items (a sweep queues hundreds): each is added only if no
    item with its key was ever queued. Returns the keys added."""
    if not items:
        return set()
    if session.get_bind().dialect.name != "postgresql":
        return _enqueue_many_elsewhere(session, items, now=now)
    if session.new:
        session.flush()
    added = set(
        session.connection().scalars(
            _ENQUEUE_MANY,
            {
                "item_kind": [item.kind for item in items],
                "item_lane": [item.lane for item in items],
                "item_key": [item.idempotency_key for item in items],
                "item_concern": [item.concern_id for item in items],
                "item_priority": [item.priority for item in items],
                "now": now,
            },
        )
    )
    outbox.note_queued(
        session, [item.idempotency_key for item in items if item.idempotency_key in added]
    )
    return added


def _enqueue_many_elsewhere(
    session: Session, items: Sequence[NewItem], *, now: datetime
) -> set[str]:
    """enqueue_many_once where arrays cannot be bound (SQLite): one query for the keys ever
    queued, then the new items in one executemany."""
    seen = outbox.keys_ever_queued(session, [item.idempotency_key for item in items])
    added: set[str] = set()
    with rows_together(session):
        for item in items:
            if item.idempotency_key in seen or item.idempotency_key in added:
                continue
            outbox.enqueue(session, now=now, **asdict(item))
            added.add(item.idempotency_key)
    return added
