"""Retention: where a closed concern's data key is wrapped, destroying content that is due,
and the dry-run report.

A closed concern with a due date is wrapped under its destruction month's shred key as well
as the ring (storage.vault); the daily job destroys what is due — wipes its wrapped data key
and every ciphertext, keeps the plain columns the returns and digests count — and, once the
transaction has committed, deletes the shred key files no concern needs any more.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.orm import Session

from bot.domain.retention import (
    RetentionRules,
    destruction_due,
    is_due,
    month_of,
    shred_month,
)
from bot.domain.taxonomy import ConcernKind, Status
from bot.flows.conversation import audit_concern
from storage.models import Concern, ConcernEvent, LearningSummary, OutboxItem
from storage.outbox import DELIVERED
from storage.shred_keys import ShredKeys
from storage.vault import ContentDestroyed, Vault

log = structlog.stdlib.get_logger(__name__)

OUTBOX_KEEP = timedelta(days=30)
DESTROYED_SUMMARY = "Details destroyed at the end of the retention period"
DESTROYED_KEY_ID = "destroyed"


def due_at(concern: Concern, rules: RetentionRules) -> datetime | None:
    return destruction_due(
        kind=concern.kind,
        outcome=concern.outcome,
        closed_at=concern.closed_at if concern.status == Status.CLOSED else None,
        held=concern.legal_hold_at is not None,
        rules=rules,
    )


def place_key(
    session: Session, vault: Vault, concern: Concern, rules: RetentionRules, now: datetime
) -> bool:
    """Wrap the concern's data key where its due date says: under that month's shred key, or
    under the ring alone (open, held, no period set, or due before next month). True if it
    was rewrapped."""
    if concern.destroyed_at is not None:
        return False
    target = shred_month(due_at(concern, rules), now=now, timezone=rules.timezone)
    if target == concern.shred_month:
        return False
    vault.place(concern, vault.concern_key(concern), target)
    return True


def destroy(session: Session, concern: Concern, *, reason: str, now: datetime) -> None:
    """Wipe the concern's wrapped data key and every ciphertext sealed with it, and the
    lookups that tie it to its reporter; keep the plain columns counted in returns."""
    concern.wrapped_key = b""
    concern.key_id = DESTROYED_KEY_ID
    concern.shred_month = None
    concern.report_enc = b""
    concern.reporter_enc = None
    concern.reporter_index = None
    concern.index_key_id = None
    # A no-contact receipt's slow hash and keyed tag stay: they name nobody, and let whoever
    # holds the receipt learn that the concern closed and its details are no longer held.
    concern.receipt_group_enc = None
    concern.referral_authority_enc = None
    concern.referral_reference_enc = None
    concern.no_referral_detail_enc = None
    # A keyed hash of the Slack view it came from could be lined up with Slack's records.
    concern.submission_key = "destroyed:" + secrets.token_hex(20)
    concern.destroyed_at = now
    concern.updated_at = now
    session.execute(
        update(ConcernEvent)
        .where(ConcernEvent.concern_id == concern.id)
        .values(body_enc=None, facts_tag=None)
    )
    # A learning summary's draft goes too; one already posted lives on in its channel only.
    session.execute(
        update(LearningSummary).where(LearningSummary.concern_id == concern.id).values(text_enc=b"")
    )
    session.add(
        ConcernEvent(
            uid=secrets.token_hex(16),
            concern_id=concern.id,
            at=now,
            kind="content_destroyed",
            actor_role="system",
            actor_id=None,
            summary=DESTROYED_SUMMARY,
            body_enc=None,
            visible_to_reporter=True,
            facts_tag=None,
        )
    )
    audit_concern(
        session,
        concern,
        "concern.content_destroyed",
        actor="system",
        now=now,
        detail={"reason": reason, "kind": concern.kind},
    )


@dataclass
class RetentionRun:
    destroyed: int = 0
    rewrapped: int = 0
    outbox_purged: int = 0
    unreadable: int = 0  # not due, but their shred key is missing (left alone, logged)


def _open_closed(session: Session) -> list[Concern]:
    return list(
        session.scalars(
            select(Concern)
            .where(Concern.status == Status.CLOSED, Concern.destroyed_at.is_(None))
            .order_by(Concern.closed_at, Concern.id)
        )
    )


def run_retention(
    session: Session, vault: Vault, rules: RetentionRules, *, now: datetime
) -> RetentionRun:
    """The daily job's work, in its transaction: destroy what is due, rewrap what moved
    (a period changed, a hold lifted), purge delivered outbox rows past 30 days; shred key
    files no concern needs are deleted once the transaction commits."""
    result = RetentionRun()
    missing: set[str] = set()
    on_file = set(vault.shreds.months()) if vault.shreds is not None else set()
    for concern in _open_closed(session):
        if is_due(due_at(concern, rules), now):
            destroy(session, concern, reason="retention period ended", now=now)
            result.destroyed += 1
            continue
        try:
            if concern.shred_month is not None and concern.shred_month not in on_file:
                raise ContentDestroyed(concern.reference, key_file_missing=True)
            if place_key(session, vault, concern, rules, now):
                result.rewrapped += 1
        except ContentDestroyed:
            # Not due, yet its shred key is missing: SPEAKUP_SHRED_KEY_DIR is probably not the
            # directory the keys are in. Left exactly as it is, so pointing the setting at
            # the right directory brings it back; nothing is wiped on a guess.
            result.unreadable += 1
            missing.add(concern.shred_month or "")
    if missing:
        log.error(
            "retention.shred_keys_missing", months=sorted(missing), concerns=result.unreadable
        )
    result.outbox_purged = purge_outbox(session, now=now)
    if vault.shreds is not None:
        _delete_spent_months_after_commit(session, vault.shreds, rules, now)
    return result


def purge_outbox(session: Session, *, now: datetime) -> int:
    """Delete delivered outbox rows older than 30 days (what was posted and where)."""
    gone = session.execute(
        delete(OutboxItem).where(
            OutboxItem.status == DELIVERED,
            OutboxItem.delivered_at.is_not(None),
            OutboxItem.delivered_at < now - OUTBOX_KEEP,
        )
    )
    return int(getattr(gone, "rowcount", 0) or 0)


def spent_months(
    session: Session, shreds: ShredKeys, rules: RetentionRules, now: datetime
) -> list[str]:
    """Months up to the current one whose key file no concern row needs any more."""
    current = month_of(now, rules.timezone)
    candidates = [month for month in shreds.months() if month <= current]
    if not candidates:
        return []
    needed = set(
        session.scalars(
            select(Concern.shred_month).where(Concern.shred_month.in_(candidates)).distinct()
        )
    )
    return [month for month in candidates if month not in needed]


def _delete_spent_months_after_commit(
    session: Session, shreds: ShredKeys, rules: RetentionRules, now: datetime
) -> None:
    session.flush()
    months = spent_months(session, shreds, rules, now)
    if not months:
        return

    def delete_files(_session: Session) -> None:
        # Only after the commit: were the transaction rolled back, its rows would still need
        # these keys. A crash in between leaves files the next run deletes.
        for month in months:
            if shreds.destroy(month):
                log.info("retention.shred_key_destroyed", month=month)

    event.listen(session, "after_commit", delete_files, once=True)


# --- the dry run -------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionLine:
    reference: str
    kind: str
    closed_at: datetime
    due: datetime | None
    held: bool


@dataclass(frozen=True)
class RetentionReport:
    lines: list[RetentionLine]
    due_now: list[RetentionLine]
    destroyed_already: int
    safeguarding_period_set: bool
    missing_months: list[str]  # concerns wrapped under a month whose key file is gone


def retention_report(
    session: Session, rules: RetentionRules, shreds: ShredKeys | None, *, now: datetime
) -> RetentionReport:
    """What the job would destroy, and when, for every closed concern not yet destroyed."""
    lines = [
        RetentionLine(
            reference=concern.reference,
            kind=concern.kind,
            closed_at=concern.closed_at or concern.updated_at,
            due=due_at(concern, rules),
            held=concern.legal_hold_at is not None,
        )
        for concern in _open_closed(session)
    ]
    on_file = set(shreds.months()) if shreds is not None else set()
    wanted = set(
        session.scalars(
            select(Concern.shred_month)
            .where(Concern.shred_month.is_not(None), Concern.destroyed_at.is_(None))
            .distinct()
        )
    )
    return RetentionReport(
        lines=lines,
        due_now=[line for line in lines if is_due(line.due, now)],
        destroyed_already=_destroyed_count(session),
        safeguarding_period_set=rules.safeguarding_years is not None
        or any(kind == ConcernKind.SAFEGUARDING for kind, _, _ in rules.by_outcome),
        missing_months=sorted(month for month in wanted if month and month not in on_file),
    )


def _destroyed_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Concern).where(Concern.destroyed_at.is_not(None))
        )
        or 0
    )
