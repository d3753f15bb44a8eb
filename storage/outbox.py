"""The durable outbox: Slack side effects queued in the same transaction as their cause.

Delivery is at-least-once at this layer; the delivering code makes it exactly-once in effect
by checking Slack for the item's idempotency key before re-posting after an unknown outcome.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage.models import Concern, OutboxItem
from storage.rows import add_row, table_of

PENDING = "pending"
DELIVERED = "delivered"

URGENT = 100
NORMAL = 0

_QUEUED = "outbox_queued"  # key in Session.info: idempotency keys queued in this session


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
    once: bool = False,
) -> bool:
    """Add an item; it commits or rolls back with the caller's transaction. With `once`, only
    if no item with this key was ever queued. Returns whether it was added."""
    if once and session.scalar(
        select(OutboxItem.id).where(OutboxItem.idempotency_key == idempotency_key)
    ):
        return False
    add_row(
        session,
        OutboxItem,
        {
            "kind": kind,
            "lane": lane,
            "idempotency_key": idempotency_key,
            "concern_id": concern_id,
            "payload": payload or {},
            "priority": priority,
            "status": PENDING,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        },
    )
    note_queued(session, [idempotency_key])
    return True


def note_queued(session: Session, keys: list[str]) -> None:
    """Remember keys queued in this session without enqueue (storage.outbox_many)."""
    session.info.setdefault(_QUEUED, []).extend(keys)


def queued_keys(session: Session) -> list[str]:
    """Idempotency keys of the items this session has queued so far (what a dry run shows)."""
    return list(session.info.get(_QUEUED, []))


def keys_ever_queued(session: Session, keys: list[str]) -> set[str]:
    """Which of these idempotency keys were ever queued (one query for many)."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            session.scalars(
                select(OutboxItem.idempotency_key).where(OutboxItem.idempotency_key.in_(chunk))
            )
        )
    return found


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


def _first_in_lane() -> Any:
    """The item is the oldest pending one in its lane.

    Said as "its id is its lane's smallest pending id" rather than "nothing earlier in its lane
    is pending": a scalar subquery is answered with one probe of ix_outbox_pending_lane per
    item whatever the planner knows, while PostgreSQL, without statistics (a new database,
    or the first rush after an install), turned the NOT EXISTS into a join that compared
    every pending item with every other: 220 ms a query with 880 pending, against 8 ms."""
    earlier = aliased(OutboxItem)
    return OutboxItem.id == (
        select(func.min(earlier.id))
        .where(earlier.lane == OutboxItem.lane, earlier.status == PENDING)
        .scalar_subquery()
    )


def _due_items_query() -> Any:
    now = bindparam("now", type_=OutboxItem.next_attempt_at.type)
    return (
        select(OutboxItem.id)
        .where(
            OutboxItem.status == PENDING,
            OutboxItem.next_attempt_at <= now,
            or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until < now),
            _first_in_lane(),
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


@dataclass(frozen=True)
class DueItem:
    id: int
    kind: str
    channel: str | None  # the channel of the item's concern, if it has one


# A batch holds at most this many items for one destination: the worker asks again after
# them, so anything queued meanwhile for elsewhere waits for no more than these.
PER_DESTINATION = 3


def _due_with_destinations(*, fair: bool) -> Any:
    """As _DUE_ITEMS with each item's destination, leaving out channels that must wait.

    An item of `paced_kinds` is bound for its concern's channel, anything else for its own
    lane; items bound for `paced_channels` are left out before the limit is applied. With
    `fair`, the batch takes the first due items of every destination before the next ones of
    any (at most PER_DESTINATION each), so a backlog of a thousand cards for one channel
    cannot fill it while a reporter's DM waits."""
    now = bindparam("now", type_=OutboxItem.next_attempt_at.type)
    to_channel = and_(
        OutboxItem.kind.in_(bindparam("paced_kinds", expanding=True)),
        Concern.channel.is_not(None),
    )
    destination = case((to_channel, Concern.channel), else_=OutboxItem.lane).label("destination")
    place = (
        func.row_number()
        .over(
            partition_by=destination,
            order_by=(OutboxItem.priority.desc(), OutboxItem.id),
        )
        .label("place")
    )
    due = (
        select(OutboxItem.id, OutboxItem.kind, OutboxItem.priority, Concern.channel, destination)
        .add_columns(*([place] if fair else []))
        .outerjoin(Concern, Concern.id == OutboxItem.concern_id)
        .where(
            OutboxItem.status == PENDING,
            OutboxItem.next_attempt_at <= now,
            or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until < now),
            _first_in_lane(),
            ~and_(to_channel, Concern.channel.in_(bindparam("paced_channels", expanding=True))),
        )
    )
    if not fair:  # first come, first served: the cheap statement when nothing is piling up
        return due.order_by(OutboxItem.priority.desc(), OutboxItem.id).limit(
            bindparam("limit", type_=Integer)
        )
    ranked = due.subquery()
    return (
        select(ranked.c.id, ranked.c.kind, ranked.c.channel, ranked.c.destination)
        .where(ranked.c.place <= PER_DESTINATION)
        .order_by(ranked.c.place, ranked.c.priority.desc(), ranked.c.id)
        .limit(bindparam("limit", type_=Integer))
    )


_DUE_IN_ORDER = _due_with_destinations(fair=False)
_DUE_FAIRLY = _due_with_destinations(fair=True)


def due_items(
    session: Session,
    *,
    now: datetime,
    limit: int,
    paced_channels: frozenset[str] = frozenset(),
    paced_kinds: frozenset[str] = frozenset(),
) -> list[DueItem]:
    """Items ready to deliver (as due_item_ids), fairly between channels and lanes, with their
    concern's channel; items of `paced_kinds` bound for `paced_channels` (channels Slack asked
    us to wait for) are left out."""
    values = {
        "now": now,
        "limit": limit,
        "paced_kinds": sorted(paced_kinds) or [""],
        "paced_channels": sorted(paced_channels) or [""],
    }
    rows = session.execute(_DUE_IN_ORDER, values).all()
    crowded = Counter(row.destination for row in rows).most_common(1)
    if len(rows) == limit and crowded and crowded[0][1] > PER_DESTINATION:
        # A backlog for one destination fills the batch: take turns (the costlier statement).
        rows = session.execute(_DUE_FAIRLY, values).all()
    return [DueItem(row.id, row.kind, row.channel) for row in rows]


# The worker's statements, built once with bound parameters: building an ORM statement on
# every call (coercions, cache keys) cost more than running it.
_TABLE = table_of(OutboxItem)
_ITEM = _TABLE.c
_LEASE_FREE = or_(_ITEM.lease_until.is_(None), _ITEM.lease_until < bindparam("now"))
_CLAIM = (
    update(_TABLE)
    .where(_ITEM.id == bindparam("item_id"), _ITEM.status == PENDING, _LEASE_FREE)
    .values(
        lease_owner=bindparam("owner", type_=String),
        lease_until=bindparam("until", type_=_ITEM.lease_until.type),
        attempts=_ITEM.attempts + 1,
    )
)
_CLAIMED = select(
    _ITEM.id,
    _ITEM.kind,
    _ITEM.lane,
    _ITEM.concern_id,
    _ITEM.payload,
    _ITEM.idempotency_key,
    _ITEM.attempts,
    _ITEM.created_at,
).where(_ITEM.id == bindparam("item_id"))
# Only the worker still holding the lease may settle an item; a worker whose lease ran out
# (a slow Slack call) must not release a lease another worker has taken since.
_HELD = and_(
    _ITEM.id == bindparam("item_id"),
    _ITEM.lease_owner == bindparam("owner"),
    _ITEM.status == PENDING,
)
_DELIVERED = (
    update(_TABLE)
    .where(_HELD)
    .values(
        status=DELIVERED,
        delivered_at=bindparam("at", type_=_ITEM.delivered_at.type),
        result_channel=bindparam("channel", type_=String),
        result_ts=bindparam("ts", type_=String),
        lease_owner=None,
        lease_until=None,
        last_error=None,
    )
)
_RELEASED = (
    update(_TABLE)
    .where(_HELD)
    .values(
        lease_owner=None,
        lease_until=None,
        last_error=bindparam("error", type_=String),
        next_attempt_at=bindparam("next_at", type_=_ITEM.next_attempt_at.type),
        attempts=_ITEM.attempts - bindparam("uncounted", type_=Integer),
    )
)


def claim(
    session: Session, item_id: int, *, owner: str, now: datetime, lease: timedelta
) -> ClaimedItem | None:
    """Lease one item for delivery; None if another worker got there first."""
    # UPDATE, then read back: UPDATE ... RETURNING would save a statement, but SQLite has it
    # only from 3.35, and the SQLite a Python build links to may be older.
    connection = session.connection()
    claimed = connection.execute(
        _CLAIM, {"item_id": item_id, "now": now, "owner": owner, "until": now + lease}
    )
    if claimed.rowcount != 1:
        return None
    row = connection.execute(_CLAIMED, {"item_id": item_id}).one()
    return ClaimedItem(
        id=row.id,
        kind=row.kind,
        lane=row.lane,
        concern_id=row.concern_id,
        payload=dict(row.payload),
        idempotency_key=row.idempotency_key,
        attempts=row.attempts,
        created_at=row.created_at,
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
    result = session.connection().execute(
        _DELIVERED, {"item_id": item_id, "owner": owner, "at": now, "channel": channel, "ts": ts}
    )
    return result.rowcount == 1


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
    session.connection().execute(
        _RELEASED,
        {
            "item_id": item_id,
            "owner": owner,
            "error": error[:200],
            "next_at": now + timedelta(seconds=retry_in),
            "uncounted": 0 if count_attempt else 1,
        },
    )


def defer(
    session: Session, item_id: int, *, owner: str, now: datetime, seconds: float, reason: str
) -> None:
    """Put an item back without counting the attempt (it waits for something else first)."""
    mark_failed(
        session, item_id, owner=owner, now=now, error=reason, retry_in=seconds, count_attempt=False
    )
