"""Append-only, tamper-evident audit log: each entry carries the hash of the one before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storage.models import AuditEntry
from storage.rows import add_row, table_of

GENESIS = "0" * 64
_CHAIN_LOCK = 0x5EA4  # PostgreSQL advisory lock key serialising appends across replicas


@dataclass(frozen=True)
class Link:
    """One entry of the chain: what is hashed, and its hash."""

    seq: int
    at: datetime
    actor: str
    action: str
    concern_reference: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str = ""


def _entry_hash(entry: Link | AuditEntry) -> str:
    canonical = json.dumps(
        {
            "seq": entry.seq,
            "at": entry.at.isoformat(timespec="microseconds"),
            "actor": entry.actor,
            "action": entry.action,
            "concern": entry.concern_reference,
            "detail": entry.detail,
            "prev": entry.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


_LOG = table_of(AuditEntry).c
_CHAIN_HEAD = select(_LOG.seq, _LOG.hash).order_by(_LOG.seq.desc()).limit(1)
_HEAD = "audit_chain_head"  # key in Session.info: (seq, hash) of this transaction's newest


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    concern_reference: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Link:
    """Add the next entry in the chain, inside the caller's transaction.

    `actor` is a staff member acting in a role (guardian, safeguarding), "reporter" or
    "system" — never a reporter's user id — and `detail` never holds free text.
    """
    seq, prev_hash = _next_link(session)
    unhashed = Link(
        seq=seq,
        at=at.astimezone(UTC),  # hashed in ISO form, so one zone for writing and reading back
        actor=actor,
        action=action,
        concern_reference=concern_reference,
        detail=detail or {},
        prev_hash=prev_hash,
    )
    entry = replace(unhashed, hash=_entry_hash(unhashed))
    add_row(session, AuditEntry, asdict(entry))
    session.info[_HEAD] = (entry.seq, entry.hash)
    return entry


def _next_link(session: Session) -> tuple[int, str]:
    """The next entry's seq and the hash it links to.

    Read from the log once a transaction: from then on the transaction holds the chain (the
    advisory lock on PostgreSQL, the write lock on SQLite), so only its own appends move the
    head, and it remembers them. Sessions last one transaction (storage.db), and so does this.
    """
    known = session.info.get(_HEAD)
    if known is None:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
        head = connection.execute(_CHAIN_HEAD).first()
        known = (head[0], head[1]) if head else (0, GENESIS)
    return known[0] + 1, known[1]


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_bad_seq: int | None
    problem: str | None


def verify(session: Session) -> ChainReport:
    """Recompute every hash and link; report the first entry that does not fit."""
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(500):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(count, False, entry.seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return ChainReport(count, False, entry.seq, "link to the previous entry is broken")
        if _entry_hash(entry) != entry.hash:
            return ChainReport(count, False, entry.seq, "entry was altered after it was written")
        prev_hash = entry.hash
        expected_seq += 1
    return ChainReport(count, True, None, None)
