"""The SLA sweep: every few minutes, flag on its card each deadline that has passed.

Found by an indexed query on stored due times (`next_due_at`, kept by bot.flows.due_times):
only concerns with something due are read, never every open concern. Each passed deadline
queues one card refresh, keyed by the deadline, so a second sweep (or a second replica)
queues nothing new; the concern's next deadline still to come is stored for the next sweep.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import DateTime, Integer, String, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from bot.domain.deadlines import Timescales, deadlines
from bot.domain.schedules import EveryMinutes, Period
from bot.domain.taxonomy import Status
from bot.flows import effects
from bot.flows.context import AppContext
from bot.jobs.runner import Job, counted
from storage.models import Concern
from storage.rows import table_of, unnested

log = structlog.stdlib.get_logger(__name__)

SWEEP_MINUTES = 10
BATCH = 2000

_CONCERN = table_of(Concern)
# Only what the deadlines depend on: no ciphertext is read.
_DUE = (
    select(
        _CONCERN.c.id,
        _CONCERN.c.reference,
        _CONCERN.c.kind,
        _CONCERN.c.status,
        _CONCERN.c.urgent,
        _CONCERN.c.version,
        _CONCERN.c.created_at,
        _CONCERN.c.ack_due_at,
        _CONCERN.c.acknowledged_at,
        _CONCERN.c.last_reporter_update_at,
        _CONCERN.c.referral_made_at,
        _CONCERN.c.referral_acknowledged_at,
        _CONCERN.c.referral_chased_at,
        _CONCERN.c.no_referral_reason,
        _CONCERN.c.no_referral_confirmed_at,
        _CONCERN.c.next_due_at,
    )
    .order_by(_CONCERN.c.next_due_at, _CONCERN.c.id)
    .limit(BATCH)
)


# Each stored only where nobody changed the concern since it was read (a guardian's action
# sets its own next_due_at), and without bumping the version. On PostgreSQL one statement
# for the whole batch (the rows arrive as arrays); elsewhere (SQLite, in process) one each.
_STORE_NEXT_DUE = (
    update(_CONCERN)
    .where(_CONCERN.c.id == bindparam("b_id"), _CONCERN.c.version == bindparam("b_version"))
    .values(next_due_at=bindparam("b_next", type_=_CONCERN.c.next_due_at.type))
)
_NEXT_DUE = unnested(b_id=ARRAY(String), b_version=ARRAY(Integer), b_next=ARRAY(DateTime()))
_STORE_NEXT_DUE_AT_ONCE = (
    update(_CONCERN)
    .where(_CONCERN.c.id == _NEXT_DUE.c.b_id, _CONCERN.c.version == _NEXT_DUE.c.b_version)
    .values(next_due_at=_NEXT_DUE.c.b_next)
)


def flag_overdue(session: Session, context: AppContext, now: datetime) -> int:
    """Queue a card refresh for every open concern whose deadline has passed, once per
    deadline, so an overdue acknowledgement or referral shows on the card without anyone
    acting. Returns how many were queued."""
    scales = context.policy.timescales
    queued = 0
    after: tuple[datetime, str] | None = None
    while True:
        query = _DUE.where(_CONCERN.c.next_due_at <= now)
        if after is not None:  # keyset paging: rows already done keep their old due time
            query = query.where(
                (_CONCERN.c.next_due_at > after[0])
                | ((_CONCERN.c.next_due_at == after[0]) & (_CONCERN.c.id > after[1]))
            )
        rows = session.execute(query).all()
        queued += _flag_batch(session, rows, scales, now)
        if len(rows) < BATCH:
            return queued
        after = (rows[-1].next_due_at, rows[-1].id)


def _flag_batch(session: Session, rows: Sequence[Any], scales: Timescales, now: datetime) -> int:
    """Flag a batch in a few statements: one to see which flags exist, one to add the new
    ones, one to store each concern's next deadline. Each row of _DUE has every fact the
    deadlines depend on."""
    refreshes: list[effects.CardRefresh] = []
    what_of: dict[tuple[str, str], tuple[str, str]] = {}
    next_due: list[dict[str, Any]] = []
    for concern in rows:
        found = deadlines(concern, scales, now)
        for deadline in found:
            if deadline.overdue:
                what = hashlib.sha256(deadline.what.encode()).hexdigest()[:8]
                key = f"late:{what}:{int(deadline.due_at.timestamp())}"
                refreshes.append(effects.CardRefresh(concern.id, key, concern.urgent))
                what_of[(concern.id, key)] = (concern.reference, deadline.what)
        upcoming = [d.due_at for d in found if not d.overdue]
        next_due.append(
            {"b_id": concern.id, "b_version": concern.version,
             "b_next": min(upcoming) if upcoming else None}
        )  # fmt: skip
    queued = effects.queue_card_refreshes_once(session, refreshes, now=now)
    for refresh in queued:
        reference, what = what_of[(refresh.concern_id, refresh.key)]
        log.warning("sla.overdue", reference=reference, deadline=what)
    _store_next_due(session, next_due)
    return len(queued)


def _store_next_due(session: Session, next_due: list[dict[str, Any]]) -> None:
    if not next_due:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(_STORE_NEXT_DUE, next_due)
        return
    connection.execute(
        _STORE_NEXT_DUE_AT_ONCE,
        {
            "b_id": [row["b_id"] for row in next_due],
            "b_version": [row["b_version"] for row in next_due],
            # The column holds naive UTC (storage.models.UtcDateTime); an array skips its
            # conversion.
            "b_next": [
                None
                if row["b_next"] is None
                else row["b_next"].astimezone(UTC).replace(tzinfo=None)
                for row in next_due
            ],
        },
    )


SLA_SWEEP = Job(
    name="sla_sweep",
    schedule=EveryMinutes(SWEEP_MINUTES),
    work=counted(flag_overdue, "cards flagged"),
    description="Flags passed deadlines on their cards",
)


@dataclass(frozen=True)
class WhenTimescalesChange:
    """One period per set of timescales: due again only when a setting changes them."""

    timescales: Timescales

    def latest(self, now: datetime) -> Period:
        digest = hashlib.sha256(repr(self.timescales).encode()).hexdigest()[:16]
        return Period(f"timescales-{digest}", datetime(2000, 1, 1, tzinfo=UTC))

    def describe(self) -> str:
        return "whenever the timescales settings change"


def _recheck_all(session: Session, context: AppContext, period: Period, now: datetime) -> str:
    """Stored due times were worked out under other timescales: have the sweep redo them."""
    result = session.execute(
        update(_CONCERN).where(_CONCERN.c.status != Status.CLOSED).values(next_due_at=now)
    )
    return f"{getattr(result, 'rowcount', 0)} open concerns to recheck"


def due_times_recheck(timescales: Timescales) -> Job:
    return Job(
        name="due_times_recheck",
        schedule=WhenTimescalesChange(timescales),
        work=_recheck_all,
        description="Rechecks every open concern's deadlines after the timescales change",
    )
