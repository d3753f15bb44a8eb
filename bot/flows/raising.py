"""Raising a concern: validate-free domain step that stores it sealed and queues its effects.

Input has already been validated by `bot.slack.raise_form`; this module turns a request into rows in
one transaction: the concern, its first timeline event, an audit entry and the outbox items.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.deadlines import Timescales, acknowledge_by
from bot.domain.routing import Router
from bot.domain.taxonomy import RAISED_VIA, TAXONOMY_VERSION, ConcernKind, IdentityMode, Status
from bot.flows import dedupe, effects
from bot.flows.conversation import audit_concern
from bot.flows.timeline import add_event_row, event_row, queue_reporter_dm
from storage.crypto import (
    Receipt,
    hash_receipt,
    new_receipt,
    random_code,
    receipt_locator_tag,
    receipt_locator_tags,
)
from storage.models import Concern
from storage.rows import add_row
from storage.vault import SEAL_VERSION, Vault


@dataclass(frozen=True)
class RaiseRequest:
    """What the reporter told us, already validated."""

    kind: ConcernKind
    identity_mode: IdentityMode
    description: str
    elements: tuple[str, ...] = ()
    location: str | None = None
    happened_on: str | None = None
    raised_before: str | None = None
    hoped_outcome: str | None = None
    detriment: str | None = None
    professional_group: str | None = None
    worker_type: str | None = None
    site: str | None = None
    at_risk: str | None = None
    immediate_danger: bool = False
    incident_number: str | None = None
    # Recorded by a guardian for someone who raised it outside the app.
    raised_via: str = "slack"
    recorded_by: str | None = None
    raised_at: datetime | None = None  # when it was raised, if before it was recorded

    @property
    def recorded(self) -> bool:
        return self.recorded_by is not None

    def free_text(self) -> dict[str, str]:
        """Everything the reporter typed: sealed as one document, never stored in clear."""
        typed = {
            "description": self.description,
            "location": self.location,
            "happened_on": self.happened_on,
            "raised_before": self.raised_before,
            "hoped_outcome": self.hoped_outcome,
            "incident_number": self.incident_number,
        }
        return {name: value for name, value in typed.items() if value}


@dataclass(frozen=True)
class RaisedConcern:
    reference: str
    kind: ConcernKind
    identity_mode: IdentityMode
    urgent: bool
    ack_due_at: datetime
    receipt: str | None = None  # only for no-contact, only the first time
    duplicate: bool = False
    # A no-contact form sent again: nothing is kept that could find its concern, so the
    # answer says only that it was received; its receipt is never shown twice.
    replayed: bool = False


@dataclass(frozen=True)
class RaisePolicy:
    router: Router
    timescales: Timescales


def new_reference(kind: ConcernKind) -> str:
    prefix = "SG" if kind is ConcernKind.SAFEGUARDING else "SU"
    return f"{prefix}-{random_code(6)}"


def find_by_submission(session: Session, vault: Vault, submission_id: str) -> Concern | None:
    """The concern a view submission already created, if Slack or the user sent it twice."""
    keys = vault.ring.blind_index_candidates("submission:" + submission_id)
    return session.scalars(select(Concern).where(Concern.submission_key.in_(keys))).first()


@dataclass(frozen=True)
class PreparedRaise:
    """A concern ready to store: sealed, referenced and routed, before any lock is taken."""

    request: RaiseRequest
    concern: dict[str, Any]  # the row, with everything but a no-contact receipt
    first_event: dict[str, Any]  # the "raised" event's row
    urgent: bool
    ack_due_at: datetime
    now: datetime  # what the rows record (a no-contact concern's: to the hour)
    submitted_at: datetime  # the real time, for the replay window only
    submission_id: str = field(repr=False)
    vault: Vault = field(repr=False)
    data_key: bytes = field(repr=False)

    @property
    def concern_id(self) -> str:
        return str(self.concern["id"])

    @property
    def reference(self) -> str:
        return str(self.concern["reference"])


def prepare_raise(
    vault: Vault,
    policy: RaisePolicy,
    request: RaiseRequest,
    *,
    reporter_user_id: str | None,
    submission_id: str,
    now: datetime,
) -> PreparedRaise:
    """Seal, reference and route a concern: all the work that needs no database, so that the
    transaction storing it (one writer at a time) holds the database for as little as it can.
    Raises RoutingError when the concern has nowhere to go."""
    concern_id = str(uuid.uuid4())
    data_key = vault.new_data_key()
    urgent = request.kind is ConcernKind.SAFEGUARDING and request.immediate_danger
    no_contact = request.identity_mode is IdentityMode.ANONYMOUS_NO_CONTACT
    # A guardian recording for someone links their Slack user only if they chose to be
    # named (open or confidential) and the guardian gave one; otherwise nobody is linked.
    linked = None if no_contact else reporter_user_id
    submitted_at = now
    if request.raised_at is not None and request.raised_at < now:
        now = request.raised_at  # deadlines and counts run from when it was raised
    if no_contact and not request.recorded:
        # Kept to the hour: a time to the microsecond could be lined up with Slack's own
        # record of who submitted a form when. Deadlines run from this earlier time.
        now = now.replace(minute=0, second=0, microsecond=0)
    # Speak-up: working days; safeguarding: elapsed hours by urgency, nights and weekends too.
    ack_due_at = acknowledge_by(request.kind, urgent, now, policy.timescales)
    concern: dict[str, Any] = {
        "id": concern_id,
        "reference": new_reference(request.kind),
        "kind": request.kind.value,
        "elements": list(request.elements),
        "identity_mode": request.identity_mode.value,
        "status": Status.RECEIVED.value,
        "urgent": urgent,
        "at_risk": request.at_risk,
        "detriment": request.detriment,
        "professional_group": request.professional_group,
        "worker_type": request.worker_type,
        "detriment_indicated_at": now if request.detriment == "yes" else None,
        "site": request.site,
        "channel": policy.router.channel_for(request.kind, request.elements, request.site),
        "taxonomy_version": TAXONOMY_VERSION,
        "created_at": now,
        "updated_at": now,
        "ack_due_at": ack_due_at,
        "next_due_at": now,  # the next SLA sweep works out its deadlines
        "version": 1,
        "seal_version": SEAL_VERSION,
        "report_enc": vault.seal_json(
            data_key, request.free_text(), table="concerns", row_id=concern_id, field="report"
        ),
        "submission_key": "none:" + secrets.token_hex(16)
        if no_contact and not request.recorded
        else vault.ring.blind_index("submission:" + submission_id),
        "raised_via": request.raised_via,
        "recorded_by": request.recorded_by,
        # No-contact: nothing that could lead back to the person, no id and no blind index.
        "reporter_enc": None
        if linked is None
        else vault.seal_json(
            data_key,
            {"user_id": linked},
            table="concerns",
            row_id=concern_id,
            field="reporter",
        ),
        "reporter_index": None if linked is None else vault.ring.blind_index(linked),
        "index_key_id": None if linked is None else vault.ring.newest_id,
        "receipt_locator": None,
        "receipt_group_enc": None,
        "receipt_hash": None,
    }
    _wrap_key(vault, data_key, concern)
    if request.recorded_by is not None:
        how = RAISED_VIA.get(request.raised_via, "outside the app").lower()
        summary = f"Concern raised {how}, recorded by a guardian"
    else:
        summary = "Concern raised" + (" — immediate danger" if urgent else "")
    first_event = event_row(
        vault,
        data_key,
        concern_id,
        kind="raised",
        actor_role="guardian" if request.recorded else "reporter",
        actor_id=request.recorded_by,
        summary=summary,
        now=now,
        visible_to_reporter=True,
    )
    return PreparedRaise(
        request,
        concern,
        first_event,
        urgent,
        ack_due_at,
        now,
        submitted_at,
        submission_id=submission_id,
        vault=vault,
        data_key=data_key,
    )


def _wrap_key(vault: Vault, data_key: bytes, concern: dict[str, Any]) -> None:
    """Wrap the data key bound to the row's access facts, as they now stand."""
    wrapped = vault.wrap_concern_key(data_key, concern)
    concern["key_id"], concern["wrapped_key"] = wrapped.key_id, wrapped.blob


def store_raise(session: Session, prepared: PreparedRaise) -> RaisedConcern:
    """Store a prepared concern with its timeline, audit entry and outbox items.

    A submission or reference already stored fails with IntegrityError (the unique indexes
    decide, so two copies arriving at once cannot both get in); the caller answers a repeat
    with `repeat_submission` and prepares again, with a new reference, otherwise.
    """
    request, now, urgent = prepared.request, prepared.now, prepared.urgent
    concern_id = prepared.concern_id
    concern = prepared.concern
    receipt: Receipt | None = None
    if request.identity_mode is IdentityMode.ANONYMOUS_NO_CONTACT and not request.recorded:
        vault = prepared.vault
        # A replay of this form within the window fails here, and is answered without a
        # receipt (see `replayed`); after the window nothing of the submission is left.
        dedupe.claim(
            session,
            dedupe.no_contact_submission_key(vault.ring, prepared.submission_id),
            now=prepared.submitted_at,
        )
        # The one secret the reporter keeps; its locator must be free, which only the
        # database can say.
        receipt = unused_receipt(session, vault)
        concern = {
            **concern,
            "receipt_locator": receipt_tag(vault, receipt.locator),
            "receipt_group_enc": vault.seal_text(
                prepared.data_key,
                receipt.locator,
                table="concerns",
                row_id=concern_id,
                field="receipt_group",
            ),
            "receipt_hash": hash_receipt(receipt.text),
        }
        _wrap_key(prepared.vault, prepared.data_key, concern)  # the receipt is a sealed fact
    add_row(session, Concern, concern)

    if request.recorded_by is not None:
        actor, action = request.recorded_by, "concern.recorded"
    else:
        actor, action = "reporter", "concern.raised"
    event_uid = add_event_row(session, prepared.first_event)
    audit_concern(
        session,
        prepared,
        action,
        actor=actor,
        now=now,
        detail={"kind": request.kind.value, "identity_mode": request.identity_mode.value},
    )
    effects.queue_card(session, concern_id=concern_id, key="1", urgent=urgent, now=now)
    if concern["reporter_enc"] is not None:
        queue_reporter_dm(session, concern_id, event_uid, urgent=urgent, now=now)
    return RaisedConcern(
        reference=prepared.reference,
        kind=request.kind,
        identity_mode=request.identity_mode,
        urgent=urgent,
        ack_due_at=prepared.ack_due_at,
        receipt=receipt.text if receipt else None,
    )


def receipt_tag(vault: Vault, group: str) -> str:
    return receipt_locator_tag(vault.ring, group)


def receipt_tags(vault: Vault, group: str) -> list[str]:
    return receipt_locator_tags(vault.ring, group)


def unused_receipt(session: Session, vault: Vault) -> Receipt:
    """A fresh receipt whose locator no concern has yet."""
    receipt = new_receipt()
    while session.scalar(
        select(Concern.id).where(Concern.receipt_locator.in_(receipt_tags(vault, receipt.locator)))
    ):
        receipt = new_receipt()
    return receipt


def replayed_no_contact(request: RaiseRequest) -> RaisedConcern:
    """The answer to a no-contact form that was already accepted: no reference, no receipt.

    Whoever sends the same signed form again (a double press, or a replay by someone who
    captured it) learns nothing and changes nothing; the first receipt keeps working."""
    return RaisedConcern(
        reference="",
        kind=request.kind,
        identity_mode=request.identity_mode,
        urgent=request.kind is ConcernKind.SAFEGUARDING and request.immediate_danger,
        ack_due_at=datetime.min.replace(tzinfo=UTC),
        duplicate=True,
        replayed=True,
    )


def repeat_submission(session: Session, vault: Vault, existing: Concern) -> RaisedConcern:
    """The answer to a raise form sent again (double press, or Slack retrying when our first
    answer was slow): the reference the first one was given."""
    receipt = None
    return RaisedConcern(
        reference=existing.reference,
        kind=ConcernKind(existing.kind),
        identity_mode=IdentityMode(existing.identity_mode),
        urgent=existing.urgent,
        ack_due_at=existing.ack_due_at,
        receipt=receipt,
        duplicate=True,
    )
