"""Many outbox items at once (the SLA sweep's card refreshes): each key is queued once ever,
and the rows are those enqueue writes, on SQLite and on PostgreSQL's one-statement path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage import outbox
from storage.db import Database
from storage.models import OutboxItem
from storage.outbox_many import NewItem, enqueue_many_once

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def item(key: str, priority: int = outbox.NORMAL) -> NewItem:
    return NewItem(kind="card", lane=f"lane:{key}", idempotency_key=key, concern_id=None,
                   priority=priority)  # fmt: skip


def test_each_key_is_queued_once_ever_and_written_as_enqueue_writes(db: Database) -> None:
    with db.transaction() as session:
        outbox.enqueue(session, kind="card", lane="lane:a", idempotency_key="a", now=NOW)
    with db.transaction() as session:
        added = enqueue_many_once(
            session, [item("a"), item("b", outbox.URGENT), item("c")], now=NOW
        )
        assert added == {"b", "c"}
        assert outbox.queued_keys(session) == ["b", "c"]
    later = NOW + timedelta(minutes=10)
    with db.transaction() as session:
        assert enqueue_many_once(session, [item("b"), item("d")], now=later) == {"d"}
        assert enqueue_many_once(session, [], now=later) == set()
    with db.transaction() as session:
        rows = session.scalars(select(OutboxItem).order_by(OutboxItem.idempotency_key)).all()
        got = [
            (r.idempotency_key, r.kind, r.lane, r.priority, r.payload, r.status, r.attempts,
             r.created_at, r.next_attempt_at, r.concern_id)
            for r in rows
        ]  # fmt: skip
    assert got == [
        ("a", "card", "lane:a", outbox.NORMAL, {}, "pending", 0, NOW, NOW, None),
        ("b", "card", "lane:b", outbox.URGENT, {}, "pending", 0, NOW, NOW, None),
        ("c", "card", "lane:c", outbox.NORMAL, {}, "pending", 0, NOW, NOW, None),
        ("d", "card", "lane:d", outbox.NORMAL, {}, "pending", 0, later, later, None),
    ]
