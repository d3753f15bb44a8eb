"""Append-only, tamper-evident audit log: each entry carries the hash of the one before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storage.models import AuditEntry

GENESIS = "0" * 64
_CHAIN_LOCK = 0x5EA4  # PostgreSQL advisory lock key serialising appends across replicas


def _entry_hash(entry: AuditEntry) -> str:
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


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    concern_reference: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add the next entry in the chain, inside the caller's transaction.

    `actor` is a staff member acting in a role (guardian, safeguarding), "reporter" or
    "system" — never a reporter's user id — and `detail` never holds free text.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    last = _chain_head(session)
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    detail = detail or {}
    at = at.astimezone(UTC)  # hashed in ISO form, so one zone for writing and reading back
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        concern_reference=concern_reference,
        detail=detail,
        prev_hash=prev_hash,
    )
    entry.hash = _entry_hash(entry)
    session.add(entry)
    return entry


def _chain_head(session: Session) -> tuple[int, str] | None:
    """The newest entry's (seq, hash), counting one appended earlier in this transaction."""
    pending = [entry for entry in session.new if isinstance(entry, AuditEntry)]
    if pending:
        newest = max(pending, key=lambda entry: entry.seq)
        return newest.seq, newest.hash
    # Without autoflush: the caller's other new rows need not be written before the chain is
    # read, and one flush at commit is cheaper than two on the path that keeps Slack waiting.
    with session.no_autoflush:
        row = session.execute(
            select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
    return (row[0], row[1]) if row else None


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
