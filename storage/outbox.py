"""The durable outbox: Slack side effects queued in the same transaction as their cause.

Delivery is at-least-once at this layer; the delivering code makes it exactly-once in effect
by checking Slack for the item's idempotency key before re-posting after an unknown outcome.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, bindparam, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage.models import OutboxItem

PENDING = "pending"
DELIVERED = "delivered"

URGENT = 100
NORMAL = 0


def enqueue(
    session: Session,
    *,
    kind: str,
    lane: str,
    idempotency_key: str,
    now: datetime,
    concern_id: str | None = None,
    payload: dict[str, Any] | None = None,
    priority: int = NORMAL,
) -> OutboxItem:
    """Add an item; it commits or rolls back with the caller's transaction."""
    item = OutboxItem(
        kind=kind,
        lane=lane,
        idempotency_key=idempotency_key,
        concern_id=concern_id,
        payload=payload or {},
        priority=priority,
        status=PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(item)
    return item


@dataclass(frozen=True)
class ClaimedItem:
    """A leased item, detached from any session."""

    id: int
    kind: str
    lane: str
    concern_id: str | None
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int  # including the attempt now under way
    created_at: datetime


def _due_items_query() -> Any:
    earlier = aliased(OutboxItem)
    blocked = exists().where(
        and_(earlier.lane == OutboxItem.lane, earlier.status == PENDING, earlier.id < OutboxItem.id)
    )
    now = bindparam("now", type_=OutboxItem.next_attempt_at.type)
    return (
        select(OutboxItem.id)
        .where(
            OutboxItem.status == PENDING,
            OutboxItem.next_attempt_at <= now,
            or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until < now),
            ~blocked,
        )
        .order_by(OutboxItem.priority.desc(), OutboxItem.id)
        .limit(bindparam("limit", type_=Integer))
    )


# Built once: the worker asks after every wake-up, and building the statement (its alias and
# correlated subquery) cost more than running it.
_DUE_ITEMS = _due_items_query()


def due_item_ids(session: Session, *, now: datetime, limit: int) -> list[int]:
    """Ids of items ready to deliver, urgent first, each the oldest pending one in its lane."""
    return list(session.scalars(_DUE_ITEMS, {"now": now, "limit": limit}))


def claim(
    session: Session, item_id: int, *, owner: str, now: datetime, lease: timedelta
) -> ClaimedItem | None:
    """Lease one item for delivery; None if another worker got there first."""
    # UPDATE, then read back: UPDATE ... RETURNING would save a statement, but SQLite has it
    # only from 3.35, and the SQLite a Python build links to may be older.
    result = session.execute(
        update(OutboxItem)
        .where(
            OutboxItem.id == item_id,
            OutboxItem.status == PENDING,
            or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=now + lease, attempts=OutboxItem.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    item = session.get_one(OutboxItem, item_id, populate_existing=True)
    return ClaimedItem(
        id=item.id,
        kind=item.kind,
        lane=item.lane,
        concern_id=item.concern_id,
        payload=dict(item.payload),
        idempotency_key=item.idempotency_key,
        attempts=item.attempts,
        created_at=item.created_at,
    )


def _held(item_id: int, owner: str) -> Any:
    """Only the worker still holding the lease may settle an item; a worker whose lease ran
    out (a slow Slack call) must not release a lease another worker has taken since."""
    return and_(
        OutboxItem.id == item_id, OutboxItem.lease_owner == owner, OutboxItem.status == PENDING
    )


def mark_delivered(
    session: Session,
    item_id: int,
    *,
    owner: str,
    now: datetime,
    channel: str | None,
    ts: str | None,
) -> bool:
    """Record a delivery; False if the lease had passed to another worker meanwhile."""
    result = session.execute(
        update(OutboxItem)
        .where(_held(item_id, owner))
        .values(
            status=DELIVERED,
            delivered_at=now,
            result_channel=channel,
            result_ts=ts,
            lease_owner=None,
            lease_until=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def backoff(attempts: int, *, base: float, cap: float) -> float:
    """Exponential backoff with jitter, in seconds, for the attempt that just failed."""
    delay: float = min(cap, base * (2 ** max(0, attempts - 1)))
    return delay * random.uniform(0.5, 1.0)


def mark_failed(
    session: Session,
    item_id: int,
    *,
    owner: str,
    now: datetime,
    error: str,
    retry_in: float,
    count_attempt: bool = True,
) -> None:
    """Release the lease and schedule the next try; an item is never dropped."""
    values: dict[str, Any] = {
        "lease_owner": None,
        "lease_until": None,
        "last_error": error[:200],
        "next_attempt_at": now + timedelta(seconds=retry_in),
    }
    if not count_attempt:
        values["attempts"] = OutboxItem.attempts - 1
    session.execute(
        update(OutboxItem)
        .where(_held(item_id, owner))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def defer(
    session: Session, item_id: int, *, owner: str, now: datetime, seconds: float, reason: str
) -> None:
    """Put an item back without counting the attempt (it waits for something else first)."""
    mark_failed(
        session, item_id, owner=owner, now=now, error=reason, retry_in=seconds, count_attempt=False
    )
