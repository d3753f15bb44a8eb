"""Typed SQLAlchemy models. Columns ending in `_enc` hold ciphertext from storage.crypto."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive ones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime}


def _partial(where: str) -> dict[str, Any]:
    """The options of an index over the rows `where` holds for, on both databases."""
    condition = text(where)
    return {"postgresql_where": condition, "sqlite_where": condition}


_SPEAK_UP = _partial("kind = 'speak_up'")


class Concern(Base):
    """One concern raised by a member of staff; free text and identity only as ciphertext."""

    __tablename__ = "concerns"
    __table_args__ = (
        # The digests' queries: open or recently closed concerns of a kind, and referrals
        # still waiting for the local authority's acknowledgement.
        Index("ix_concerns_kind_status_closed", "kind", "status", "closed_at"),
        Index(
            "ix_concerns_referral_waiting", "kind", "referral_acknowledged_at", "referral_made_at"
        ),
        Index(
            "ix_concerns_referral_awaiting",
            "referral_made_at",
            **_partial("referral_made_at IS NOT NULL AND referral_acknowledged_at IS NULL"),
        ),
        # The SLA sweep's and the digests' open work (migration 0009).
        Index(
            "ix_concerns_open_work",
            "status",
            "kind",
            "created_at",
            "acknowledged_at",
            "ack_due_at",
            "last_reporter_update_at",
        ),
        # The leaders' digest at scale: speak-up concerns by when they were raised,
        # acknowledged and closed, covering what each count reads on PostgreSQL (migration 0013).
        Index(
            "ix_concerns_speak_up_raised",
            "created_at",
            postgresql_include=[
                "site",
                "professional_group",
                "identity_mode",
                "detriment",
                "elements",
            ],
            **_SPEAK_UP,
        ),
        Index(
            "ix_concerns_speak_up_acknowledged",
            "acknowledged_at",
            postgresql_include=["created_at"],
            **_SPEAK_UP,
        ),
        Index(
            "ix_concerns_speak_up_closed",
            "closed_at",
            postgresql_include=["created_at", "status"],
            **_SPEAK_UP,
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    elements: Mapped[list[str]] = mapped_column(JSON, default=list)
    identity_mode: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), index=True)
    stage: Mapped[str | None] = mapped_column(String(24))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    at_risk: Mapped[str | None] = mapped_column(String(16))
    detriment: Mapped[str | None] = mapped_column(String(16))
    professional_group: Mapped[str | None] = mapped_column(String(40))
    site: Mapped[str | None] = mapped_column(String(80))
    # How it reached the trust ("slack", or a guardian recorded it: "in_person", "phone", …)
    # and the guardian who recorded it (staff acting in a role, never a reporter).
    raised_via: Mapped[str] = mapped_column(String(20), default="slack")
    worker_type: Mapped[str | None] = mapped_column(String(20))
    # Detriment can be indicated at any point in a case: when it was, for the returns.
    detriment_indicated_at: Mapped[datetime | None]
    recorded_by: Mapped[str | None] = mapped_column(String(32))
    owner_id: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(40))
    feedback: Mapped[str | None] = mapped_column(String(16))
    feedback_given_at: Mapped[datetime | None] = mapped_column(index=True)
    taxonomy_version: Mapped[int] = mapped_column(Integer)

    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    ack_due_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    # The earliest deadline the SLA sweep has yet to look at (None: nothing pending).
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    last_reporter_update_at: Mapped[datetime | None]

    referral_authority_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    referral_made_at: Mapped[datetime | None] = mapped_column(index=True)
    referral_reference_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    referral_acknowledged_at: Mapped[datetime | None] = mapped_column(index=True)
    # The referral decision (bot.domain.safeguarding): an unacknowledged referral chased, or
    # "no referral needed" with a reason (its detail sealed) confirmed by a second member.
    referral_chased_at: Mapped[datetime | None]
    no_referral_reason: Mapped[str | None] = mapped_column(String(24))
    no_referral_detail_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    no_referral_by: Mapped[str | None] = mapped_column(String(32))
    no_referral_at: Mapped[datetime | None]
    no_referral_confirmed_by: Mapped[str | None] = mapped_column(String(32))
    no_referral_confirmed_at: Mapped[datetime | None]
    # After closure: when the reporter was asked about detriment, and their answer.
    checkin_sent_at: Mapped[datetime | None]
    checkin_answer: Mapped[str | None] = mapped_column(String(8))
    checkin_answered_at: Mapped[datetime | None]

    # Optimistic concurrency: every change bumps it, so two simultaneous actions cannot both win.
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": version}

    key_id: Mapped[str] = mapped_column(String(16))
    # The data key's wrapping binds the facts that decide who sees what (storage.vault); 1 marks
    # rows from before that, opened the old way until `speakup keys rotate` re-seals them.
    seal_version: Mapped[int] = mapped_column(Integer, default=1)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    report_enc: Mapped[bytes] = mapped_column(LargeBinary)
    reporter_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    reporter_index: Mapped[str | None] = mapped_column(String(64), index=True)
    index_key_id: Mapped[str | None] = mapped_column(String(16))  # the key reporter_index is under
    # A keyed tag of the receipt's first group (never the group itself), and the group
    # sealed with the concern's key so a key rotation can re-derive the tag.
    receipt_locator: Mapped[str | None] = mapped_column(String(64), index=True)
    receipt_group_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    receipt_hash: Mapped[str | None] = mapped_column(String(200))
    # A keyed hash of the submitted view's id, against double submissions; for no-contact
    # concerns a random value instead, as their submissions are remembered only for the
    # replay window (bot.flows.dedupe).
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)

    # Retention (bot.domain.retention): a lead's legal hold keeps the content whatever its
    # period; `shred_month` names the shred key that also wraps the data key (storage.vault);
    # `destroyed_at` is when the content was destroyed (only plain, aggregate columns remain).
    legal_hold_at: Mapped[datetime | None]
    legal_hold_by: Mapped[str | None] = mapped_column(String(32))
    shred_month: Mapped[str | None] = mapped_column(String(7), index=True)
    destroyed_at: Mapped[datetime | None]


class LearningSummary(Base):
    """A "you said, we did" summary of a closed concern: drafted by one guardian, posted to
    the learning channel once a different guardian approves it. The text is sealed with the
    concern's data key, bound to its drafter (so changing who drafted it opens nothing)."""

    __tablename__ = "learning_summaries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    concern_id: Mapped[str] = mapped_column(ForeignKey("concerns.id"), unique=True)
    drafted_by: Mapped[str] = mapped_column(String(32))
    drafted_at: Mapped[datetime]
    text_enc: Mapped[bytes] = mapped_column(LargeBinary)
    approved_by: Mapped[str | None] = mapped_column(String(32))
    approved_at: Mapped[datetime | None]


class ConcernEvent(Base):
    """The concern's timeline: content-free summary in clear, any free text encrypted."""

    __tablename__ = "concern_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    concern_id: Mapped[str] = mapped_column(ForeignKey("concerns.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(String(200))
    body_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    visible_to_reporter: Mapped[bool] = mapped_column(Boolean, default=False)
    # A MAC over the event's facts (visibility, summary, who) under a key derived from the
    # concern's data key: a flipped column fails the check instead of showing more.
    facts_tag: Mapped[str | None] = mapped_column(String(64))


class OutboxItem(Base):
    """A Slack side effect waiting to happen, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "priority", "next_attempt_at"),
        # Each lane's oldest pending item, what the worker may deliver next: one probe per
        # item, whatever the planner knows of the table (migration 0014).
        Index(
            "ix_outbox_pending_lane",
            "lane",
            "id",
            **_partial("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    concern_id: Mapped[str | None] = mapped_column(ForeignKey("concerns.id"), index=True)
    # Items in one lane are delivered strictly in order; lanes do not hold each other up.
    lane: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None]
    result_channel: Mapped[str | None] = mapped_column(String(32))
    result_ts: Mapped[str | None] = mapped_column(String(32))


class AuditEntry(Base):
    """Append-only record of who did what to which concern, chained by a keyed MAC.

    `hash` is the entry's HMAC under the audit key derived from ring key `key_id`; entries
    from before keyed MACs have no key_id and a plain SHA-256 there (storage.audit)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(40))
    concern_reference: Mapped[str | None] = mapped_column(String(16), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16))


class AuditHead(Base):
    """The chain's newest entry, MAC'd: one row, rewritten in every appending transaction,
    so removing the newest entries leaves a head naming one that is gone."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    entry_mac: Mapped[str] = mapped_column(String(64))
    # Entries up to this seq were written before keyed MACs; null until the first keyed one.
    legacy_through: Mapped[int | None] = mapped_column(Integer)
    key_id: Mapped[str | None] = mapped_column(String(16))
    mac: Mapped[str | None] = mapped_column(String(64))


class AuditKey(Base):
    """The audit MAC key of a ring key that may be retired, wrapped by a newer ring key, so
    entries it MAC'd stay verifiable after it leaves the ring (`speakup keys rotate`)."""

    __tablename__ = "audit_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    wrapped_by: Mapped[str] = mapped_column(String(16))
    blob: Mapped[bytes] = mapped_column(LargeBinary)


class ProcessedEvent(Base):
    """Slack Events API deliveries already handled (Slack retries a delivery up to 3 times)."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime]


class JobRun(Base):
    """One row per scheduled job and period: the unique key is the claim across replicas."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(40))
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime]
    # A claim whose holder died mid-run is taken over once its lease has run out.
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    finished_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class DeliveryAlarm(Base):
    """A channel that is not taking cards, and when people were last told (one row each)."""

    __tablename__ = "delivery_alarms"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    team: Mapped[str] = mapped_column(String(20))
    since: Mapped[datetime]  # when the oldest card held up was queued
    notified_at: Mapped[datetime]
    # Set when the backlog drained and the all-clear was queued; a new episode starts afresh.
    cleared_at: Mapped[datetime | None]
    concerns: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(40))
