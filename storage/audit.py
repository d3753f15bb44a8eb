"""Append-only audit log, tamper-evident against whoever can write the database without the keys.

Each entry carries an HMAC-SHA256 over its content and the previous entry's MAC, under an
audit key derived (HKDF, a label of its own) from the newest ring key; the entry records that
key's id, so entries stay verifiable across key rotation (`archive_audit_keys`). The chain's
head — the newest seq and its MAC — lives in its own MAC'd row, rewritten in the transaction
of every append, so deleting the newest entries leaves a head naming one that is gone.
Checking the chain, anchors and a concern's trail: storage.audit_check.

Entries written before keyed MACs (no key_id) carry a plain SHA-256 chain: they show
accidents, not a determined editor. The head records where that legacy part ends.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, event, func, insert, select, text, update
from sqlalchemy.orm import Session

from storage.crypto import CryptoError, KeyRing, WrappedKey
from storage.db import key_ring_of
from storage.models import AuditEntry, AuditHead, AuditKey
from storage.rows import add_row, table_of

GENESIS = "0" * 64
HEAD_ROW = 1
# Written by the app itself when it finds the head row missing or altered: it carries on (a
# concern must never be lost to an audit fault), and the chain says so for good.
HEAD_REPLACED = "audit.head_replaced"
_CHAIN_LOCK = 0x5EA4  # PostgreSQL advisory lock, only while a missing head row is recreated

log = logging.getLogger(__name__)


class AuditKeysMissing(RuntimeError):
    """The transaction's Database carries no key ring, so it cannot MAC an entry."""


@dataclass(frozen=True)
class Link:
    """One entry of the chain: what is MAC'd, and its MAC."""

    seq: int
    at: datetime
    actor: str
    action: str
    concern_reference: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str = ""
    key_id: str | None = None


# --- what is MAC'd ------------------------------------------------------------------------


def _canonical(entry: Link | AuditEntry) -> bytes:
    fields: dict[str, Any] = {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "concern": entry.concern_reference,
        "detail": entry.detail,
        "prev": entry.prev_hash,
    }
    if entry.key_id is not None:  # legacy entries were hashed without it
        fields["key"] = entry.key_id
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def legacy_hash(entry: Link | AuditEntry) -> str:
    """The plain SHA-256 of an entry written before keyed MACs."""
    return hashlib.sha256(_canonical(entry)).hexdigest()


def entry_mac(audit_key: bytes, entry: Link | AuditEntry) -> str:
    return hmac.new(audit_key, _canonical(entry), hashlib.sha256).hexdigest()


def head_mac(
    audit_key: bytes, *, seq: int, entry: str, legacy_through: int | None, key_id: str
) -> str:
    message = json.dumps(
        {"head": seq, "entry": entry, "legacy_through": legacy_through, "key": key_id},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hmac.new(audit_key, message.encode(), hashlib.sha256).hexdigest()


def head_mac_matches(audit_key: bytes, head: AuditHead | Row[Any]) -> bool:
    """Whether the head record (the model, or its row as read) has the MAC `audit_key` gives
    what it records."""
    expected = head_mac(
        audit_key,
        seq=head.seq,
        entry=head.entry_mac,
        legacy_through=head.legacy_through,
        key_id=head.key_id or "",
    )
    return head.mac is not None and hmac.compare_digest(expected, head.mac)


FINGERPRINT_HEX = 16


def fingerprint(audit_key: bytes, seq: int, entry: str) -> str:
    """What an anchor publishes for entry `seq`: short enough to copy, keyed so that nobody
    without the keys can make a log that matches it."""
    message = f"speakup anchor:{seq}:{entry}".encode()
    return hmac.new(audit_key, message, hashlib.sha256).hexdigest()[:FINGERPRINT_HEX]


# --- keys: the ring's, and those of retired ring keys ------------------------------------


def _archive_context(key_id: str) -> str:
    return f"audit-key:{key_id}"


class AuditKeys:
    """Every audit key this ring can reach: derived from each ring key, or archived (wrapped
    by a ring key) for ring keys since removed."""

    def __init__(self, ring: KeyRing, archived: dict[str, bytes]) -> None:
        self._keys = dict(archived)
        self._keys.update({name: ring.audit_key(name) or b"" for name in ring.key_ids})

    @classmethod
    def load(cls, session: Session, ring: KeyRing) -> AuditKeys:
        archived: dict[str, bytes] = {}
        for row in session.scalars(select(AuditKey)):
            try:
                archived[row.key_id] = ring.unwrap(
                    WrappedKey(row.wrapped_by, row.blob), context=_archive_context(row.key_id)
                )
            except CryptoError:
                continue  # unusable: entries under it are reported as unverifiable
        return cls(ring, archived)

    def get(self, key_id: str | None) -> bytes | None:
        return self._keys.get(key_id) if key_id else None

    def ids(self) -> list[str]:
        return list(self._keys)

    def all(self) -> list[bytes]:
        return list(self._keys.values())


def archive_audit_keys(session: Session, ring: KeyRing) -> int:
    """Wrap the audit key of every ring key but the newest (and of every key archived before)
    under the newest, so that the older keys can leave the ring and their entries stay
    verifiable. Returns how many keys are archived."""
    known = AuditKeys.load(session, ring)
    table = table_of(AuditKey)
    archived = 0
    for name in known.ids():
        if name == ring.newest_id:
            continue
        wrapped = ring.wrap(known.get(name) or b"", context=_archive_context(name))
        values = {"wrapped_by": wrapped.key_id, "blob": wrapped.blob}
        connection = session.connection()
        if not connection.execute(update(table).where(table.c.key_id == name), values).rowcount:
            connection.execute(insert(table), {"key_id": name, **values})
        archived += 1
    return archived


# --- appending -----------------------------------------------------------------------------

_LOG = table_of(AuditEntry).c
_HEAD = table_of(AuditHead)
_NEWEST = select(_LOG.seq, _LOG.hash, _LOG.key_id).order_by(_LOG.seq.desc()).limit(1)
_READ_HEAD = select(_HEAD).where(_HEAD.c.id == HEAD_ROW)
_CHAIN = "audit_chain"  # key in Session.info: this transaction's _Chain


@dataclass
class _Chain:
    """Where this transaction's next entry links, and what the head must say at commit."""

    seq: int
    mac: str
    legacy_through: int | None


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
    ring = key_ring_of(session)
    if ring is None:
        raise AuditKeysMissing("the audit log needs the key ring: Database(url, ring=...)")
    chain = session.info.get(_CHAIN)
    if chain is None:
        chain = _open_chain(session, ring, at)
    return _add(session, ring, chain, at, actor, action, concern_reference, detail or {})


def _add(
    session: Session,
    ring: KeyRing,
    chain: _Chain,
    at: datetime,
    actor: str,
    action: str,
    concern_reference: str | None,
    detail: dict[str, Any],
) -> Link:
    unsigned = Link(
        seq=chain.seq + 1,
        at=at.astimezone(UTC),  # MAC'd in ISO form, so one zone for writing and reading back
        actor=actor,
        action=action,
        concern_reference=concern_reference,
        detail=detail,
        prev_hash=chain.mac,
        key_id=ring.newest_id,
    )
    entry = replace(unsigned, hash=entry_mac(ring.audit_key(ring.newest_id) or b"", unsigned))
    add_row(session, AuditEntry, asdict(entry))
    chain.seq, chain.mac = entry.seq, entry.hash
    return entry


def _open_chain(session: Session, ring: KeyRing, at: datetime) -> _Chain:
    """Lock the head for this transaction and find where the next entry links.

    The head row's lock (FOR UPDATE on PostgreSQL; SQLite's one writer holds it anyway)
    serialises appenders across replicas until commit, so only this transaction's own appends
    move the chain from here, and it remembers them. Sessions last one transaction.
    """
    connection = session.connection()
    head = connection.execute(_READ_HEAD.with_for_update()).first()
    if head is None and connection.dialect.name == "postgresql":
        # Nothing to lock: serialise those that would recreate the row.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
        head = connection.execute(_READ_HEAD.with_for_update()).first()
    newest = connection.execute(_NEWEST).first()
    last_seq, last_mac, last_key = (
        (newest[0], newest[1], newest[2]) if newest else (0, GENESIS, None)
    )
    problem = _head_problem(session, ring, head, last_key)
    if problem is None and head is not None and head.mac is not None:
        # Link after the head when entries it names are gone, so the gap stays visible.
        seq, mac = (head.seq, head.entry_mac) if head.seq > last_seq else (last_seq, last_mac)
        chain = _Chain(seq, mac, head.legacy_through)
    elif problem is None:
        chain = _Chain(last_seq, last_mac, last_seq)  # the first keyed entry: legacy ends here
    else:
        legacy = connection.execute(select(func.max(_LOG.seq)).where(_LOG.key_id.is_(None)))
        chain = _Chain(last_seq, last_mac, legacy.scalar() or 0)
    session.info[_CHAIN] = chain
    if problem is not None:
        log.error("audit head %s; recorded at entry %d", problem, last_seq + 1)
        detail = {"problem": problem, "head_seq": head.seq if head else None, "found": last_seq}
        _add(session, ring, chain, at, "system", HEAD_REPLACED, None, detail)
    return chain


def _head_problem(
    session: Session, ring: KeyRing, head: Row[Any] | None, last_key: str | None
) -> str | None:
    """What is wrong with the head row as found, or None."""
    if head is None:
        return "missing"
    if head.mac is None:
        # Unsealed is how an upgrade leaves it, before any keyed entry: not after one.
        return "unsealed" if last_key is not None else None
    key = ring.audit_key(head.key_id) or AuditKeys.load(session, ring).get(head.key_id)
    if key is None:
        return "under an unknown key"
    return None if head_mac_matches(key, head) else "altered"


@event.listens_for(Session, "before_commit")
def _seal_head(session: Session) -> None:
    """Rewrite the head once per appending transaction, just before it commits."""
    chain: _Chain | None = session.info.pop(_CHAIN, None)
    ring = key_ring_of(session)
    if chain is None or ring is None:
        return
    values = {
        "seq": chain.seq,
        "entry_mac": chain.mac,
        "legacy_through": chain.legacy_through,
        "key_id": ring.newest_id,
        "mac": head_mac(
            ring.audit_key(ring.newest_id) or b"",
            seq=chain.seq,
            entry=chain.mac,
            legacy_through=chain.legacy_through,
            key_id=ring.newest_id,
        ),
    }
    connection = session.connection()
    if not connection.execute(update(_HEAD).where(_HEAD.c.id == HEAD_ROW), values).rowcount:
        connection.execute(insert(_HEAD), {"id": HEAD_ROW, **values})
