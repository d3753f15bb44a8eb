"""Key rotation: every concern onto the newest ring key, so that older keys can leave the ring.

`rotate` works online, a batch of concerns to a transaction, and is safe to interrupt and run
again: it only ever picks concerns that still need it. For each it rewraps the data key under
the newest key (re-sealing the access facts with it), re-derives the reporter's blind index
under the newest key, and tags timeline events written before events were tagged. It also
archives the audit MAC keys of the older ring keys (storage.audit.archive_audit_keys).

Re-sealing a row written before access facts were sealed binds the facts as they stand at
that moment: it cannot tell whether someone changed them before. Rows sealed already are
checked first; one that fails is left alone, reported and audited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Executable, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from storage import audit
from storage.crypto import DecryptionError, KeyRing, UnknownKeyError, receipt_locator_tag
from storage.db import Database
from storage.models import AuditEntry, AuditKey, Concern, ConcernEvent
from storage.shred_keys import ShredKeys
from storage.vault import SEAL_VERSION, ContentDestroyed, IntegrityCheckFailed, Vault

BATCH = 100
_ATTEMPTS = 5  # a batch that loses a race with the live app (version check) is run again


def needs_rotation(ring: KeyRing) -> ColumnElement[bool]:
    """Concerns not yet wholly on the newest key, or sealed the old way."""
    newest = ring.newest_id
    return and_(
        Concern.destroyed_at.is_(None),  # nothing left to rotate
        or_(
            Concern.key_id != newest,
            Concern.seal_version < SEAL_VERSION,
            and_(
                Concern.reporter_index.is_not(None),
                or_(Concern.index_key_id.is_(None), Concern.index_key_id != newest),
            ),
        ),
    )


@dataclass
class RotationReport:
    rotated: int = 0
    refused: list[str] = field(default_factory=list)  # references that failed a check
    key_missing: list[str] = field(default_factory=list)  # wrapped by a key not in the ring
    audit_keys_archived: int = 0


def rotate(
    db: Database,
    ring: KeyRing,
    *,
    now: Callable[[], datetime],
    batch_size: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
    shreds: ShredKeys | None = None,
) -> RotationReport:
    """Move every concern onto the newest key; `progress(done, total)` after each batch.
    Closed concerns stay wrapped under their month's shred key (`shreds`) as well."""
    vault = Vault(ring, shreds)
    report = RotationReport()
    with db.transaction() as session:
        report.audit_keys_archived = audit.archive_audit_keys(session, ring)
        total = session.scalar(select(func.count()).where(needs_rotation(ring))) or 0
    after, done = "", 0
    while True:
        outcomes = _rotate_batch(db, vault, after, batch_size, now)
        if not outcomes:
            break
        after = outcomes[-1][0]
        for _, reference, outcome in outcomes:
            if outcome == "rotated":
                report.rotated += 1
            elif outcome == "refused":
                report.refused.append(reference)
            else:
                report.key_missing.append(reference)
        done += len(outcomes)
        if progress is not None:
            progress(done, max(total, done))
    with db.transaction() as session:
        audit.append(
            session,
            at=now(),
            actor="system",
            action="keys.rotated",
            detail={
                "key": ring.newest_id,
                "rotated": report.rotated,
                "refused": len(report.refused),
                "key_missing": len(report.key_missing),
            },
        )
    return report


def _rotate_batch(
    db: Database, vault: Vault, after: str, size: int, now: Callable[[], datetime]
) -> list[tuple[str, str, str]]:
    """One batch in one transaction: (id, reference, outcome) for each concern it looked at."""
    for attempt in range(_ATTEMPTS):
        try:
            with db.transaction() as session:
                rows = session.scalars(
                    select(Concern)
                    .where(needs_rotation(vault.ring), Concern.id > after)
                    .order_by(Concern.id)
                    .limit(size)
                ).all()
                return [
                    (row.id, row.reference, _rotate_one(session, vault, row, now)) for row in rows
                ]
        except StaleDataError:
            if attempt == _ATTEMPTS - 1:
                raise
    return []


def _sealed_in(concern: Concern, field: str) -> dict[str, str]:
    """Where one of a concern's sealed fields is bound: its table, row and field."""
    return {"table": "concerns", "row_id": concern.id, "field": field}


def _rotate_one(
    session: Session, vault: Vault, concern: Concern, now: Callable[[], datetime]
) -> str:
    """Rewrap, re-index and re-seal one concern; changes nothing unless every check passes."""
    try:
        data_key = vault.concern_key(concern)
        events = list(
            session.scalars(select(ConcernEvent).where(ConcernEvent.concern_id == concern.id))
        )
        for event in events:
            if event.facts_tag is not None or concern.seal_version >= SEAL_VERSION:
                vault.check_event(data_key, concern, event)
        user_id = None
        if concern.reporter_enc is not None and concern.reporter_index is not None:
            user_id = vault.open_json(
                data_key, concern.reporter_enc, **_sealed_in(concern, "reporter")
            )["user_id"]
    except (UnknownKeyError, ContentDestroyed):
        return "key_missing"
    except (IntegrityCheckFailed, DecryptionError, ValueError):
        audit.append(
            session,
            at=now(),
            actor="system",
            action="integrity.failed",
            concern_reference=concern.reference,
            detail={"where": "rotate"},
        )
        return "refused"
    for event in events:
        if event.facts_tag is None:
            event.facts_tag = vault.event_tag(data_key, vault.event_values(event))
    if user_id is not None:
        concern.reporter_index = vault.ring.blind_index(str(user_id))
        concern.index_key_id = vault.ring.newest_id
    if concern.receipt_group_enc is not None:
        # A no-contact receipt's locator is keyed: re-derive it from its sealed first group,
        # so the receipt still finds its concern once the old key is removed.
        group = vault.open_text(
            data_key, concern.receipt_group_enc, **_sealed_in(concern, "receipt_group")
        )
        concern.receipt_locator = receipt_locator_tag(vault.ring, group)
    vault.reseal(concern, data_key)
    return "rotated"


# --- what still uses which key -------------------------------------------------------------


@dataclass(frozen=True)
class KeyUse:
    position: int  # 1 = newest, as listed in SPEAKUP_ENCRYPTION_KEYS
    key_id: str
    data_keys: int
    blind_indexes: int
    audit_entries: int
    audit_key_archived: bool

    @property
    def removable(self) -> bool:
        """Nothing needs this key once nothing is wrapped or indexed under it and its audit
        entries can be checked without it."""
        return (
            self.position > 1
            and not self.data_keys
            and not self.blind_indexes
            and (self.audit_key_archived or not self.audit_entries)
        )


@dataclass(frozen=True)
class KeyStatus:
    keys: list[KeyUse]
    data_keys_elsewhere: int  # wrapped by a key that is not in the ring: they cannot open
    sealed_old_way: int  # concerns whose access facts are not sealed yet


def _counts(session: Session, query: Executable) -> Counter[str | None]:
    return Counter({name: count for name, count in session.execute(query)})


def key_status(session: Session, ring: KeyRing) -> KeyStatus:
    """For each ring key, how many data keys, blind indexes and audit entries use it."""
    wrapped = _counts(
        session,
        select(Concern.key_id, func.count())
        .where(Concern.destroyed_at.is_(None))
        .group_by(Concern.key_id),
    )
    indexed = _counts(
        session,
        select(Concern.index_key_id, func.count())
        .where(Concern.reporter_index.is_not(None))
        .group_by(Concern.index_key_id),
    )
    audited = _counts(session, select(AuditEntry.key_id, func.count()).group_by(AuditEntry.key_id))
    archived = set(session.scalars(select(AuditKey.key_id)))
    uses = []
    for position, (name, legacy) in enumerate(zip(ring.key_ids, ring.legacy_ids, strict=True), 1):
        uses.append(
            KeyUse(
                position=position,
                key_id=name,
                data_keys=wrapped[name] + wrapped[legacy],
                blind_indexes=indexed[name] + indexed[legacy],
                audit_entries=audited[name],
                audit_key_archived=name in archived,
            )
        )
    known = set(ring.key_ids) | set(ring.legacy_ids)
    elsewhere = sum(count for name, count in wrapped.items() if name not in known)
    old_way = session.scalar(select(func.count()).where(Concern.seal_version < SEAL_VERSION))
    return KeyStatus(uses, elsewhere, old_way or 0)
