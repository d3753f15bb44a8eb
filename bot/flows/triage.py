"""What guardians and the safeguarding team do to a concern besides status moves: assign,
note, referrals, viewing details (audited) and the reporter's closing feedback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.clock import local_today, picked_moment
from bot.domain.deadlines import Deadline, Timescales, deadlines
from bot.domain.moves import IllegalMove
from bot.domain.taxonomy import IdentityMode, Status
from bot.domain.team_rules import (
    TeamForm,
    closed_refusal,
    feedback_refusal,
    form_refusal,
    referral_ack_refusal,
    referral_date_problem,
)
from bot.flows.conversation import audit_concern, note_on_card
from bot.flows.due_times import deadlines_changed
from bot.flows.referrals import withdraw_no_referral
from bot.flows.team_steps import record_team_step
from bot.flows.timeline import TimelineEntry, add_event, read_timeline
from storage import audit
from storage.models import Concern
from storage.vault import ContentDestroyed, Vault


class NotAllowed(Exception):
    """The person may not do this; the message says so in plain words."""


def find_concern(session: Session, concern_id: str) -> Concern | None:
    return session.get(Concern, concern_id) if concern_id else None


def assign_owner(
    session: Session,
    vault: Vault,
    concern: Concern,
    owner_id: str,
    *,
    actor_id: str,
    now: datetime,
) -> None:
    if concern.status == Status.CLOSED:
        raise IllegalMove(closed_refusal(concern.reference))
    concern.owner_id = owner_id
    record_team_step(
        session,
        vault,
        concern,
        event="assigned",
        summary=f"Assigned to <@{owner_id}>",
        action="concern.assigned",
        detail={"owner": owner_id},
        card_line=f"<@{actor_id}> assigned this to <@{owner_id}>.",
        actor_id=actor_id,
        now=now,
    )


def add_note(
    session: Session, vault: Vault, concern: Concern, text: str, *, actor_id: str, now: datetime
) -> None:
    """An internal note: sealed, shown only in View details."""
    event_uid = add_event(
        session,
        vault,
        concern,
        kind="note",
        actor_role="guardian",
        actor_id=actor_id,
        summary="Internal note added",
        body=text,
        now=now,
    )
    concern.updated_at = now
    audit_concern(session, concern, "note.added", actor=actor_id, now=now)
    note_on_card(session, concern, f"<@{actor_id}> added a note.", now, event_uid)


def record_referral(
    session: Session,
    vault: Vault,
    concern: Concern,
    *,
    authority: str,
    made_on: date,
    reference: str | None,
    actor_id: str,
    now: datetime,
    timezone: str,
) -> None:
    """The local-authority referral for a safeguarding concern."""
    if problem := form_refusal(
        TeamForm.RECORD_REFERRAL,
        reference=concern.reference,
        kind=concern.kind,
        status=concern.status,
    ):
        raise IllegalMove(problem)
    if problem := referral_date_problem(made_on, local_today(now, timezone)):
        raise IllegalMove(problem)
    made_at = picked_moment(made_on, now, timezone)
    data_key = vault.concern_key(concern)
    # The authority and its reference are typed text: sealed like every other free text.
    concern.referral_authority_enc = vault.seal_text(
        data_key, authority, table="concerns", row_id=concern.id, field="referral_authority"
    )
    concern.referral_made_at = made_at
    concern.referral_acknowledged_at = None
    deadlines_changed(concern, now)
    concern.referral_chased_at = None
    withdraw_no_referral(concern)
    concern.referral_reference_enc = (
        vault.seal_text(
            data_key, reference, table="concerns", row_id=concern.id, field="referral_reference"
        )
        if reference
        else None
    )
    record_team_step(
        session,
        vault,
        concern,
        event="referral",
        summary="Local-authority referral recorded",
        action="referral.recorded",
        detail={"made_on": made_on.isoformat()},
        card_line=f"<@{actor_id}> recorded the local-authority referral.",
        actor_id=actor_id,
        now=now,
    )


def record_referral_acknowledged(
    session: Session, vault: Vault, concern: Concern, *, actor_id: str, now: datetime
) -> None:
    if problem := referral_ack_refusal(
        referral_made=concern.referral_made_at is not None,
        already_acknowledged=concern.referral_acknowledged_at is not None,
    ):
        raise IllegalMove(problem)
    concern.referral_acknowledged_at = now
    deadlines_changed(concern, now)
    record_team_step(
        session,
        vault,
        concern,
        event="referral_acknowledged",
        summary="The local authority acknowledged the referral",
        action="referral.acknowledged",
        card_line=f"<@{actor_id}> recorded the referral's acknowledgement.",
        actor_id=actor_id,
        now=now,
    )


@dataclass(frozen=True)
class ConcernDetails:
    reference: str
    kind: str
    identity_mode: str
    status: str
    stage: str | None
    elements: list[str]
    report: dict[str, str]
    reporter_user_id: str | None  # only for open and confidential concerns
    referral_authority: str | None
    referral_reference: str | None
    referral_made_at: datetime | None
    referral_acknowledged_at: datetime | None
    at_risk: str | None
    detriment: str | None
    professional_group: str | None
    site: str | None
    outcome: str | None
    feedback: str | None
    created_at: datetime
    owner_id: str | None
    timeline: list[TimelineEntry]
    concern_id: str = ""
    worker_type: str | None = None
    urgent: bool = False
    referral_chased_at: datetime | None = None
    no_referral: NoReferral | None = None
    deadlines: list[Deadline] = field(default_factory=list)
    legal_hold_by: str | None = None
    legal_hold_at: datetime | None = None
    # Set once the content was destroyed at the end of its retention period (or its shred
    # key is gone): only the plain facts and the timeline's summaries remain.
    destroyed_at: datetime | None = None


@dataclass(frozen=True)
class NoReferral:
    """A "no referral needed" decision: its reason, the detail given (decrypted), who
    proposed it and who confirmed it."""

    reason: str
    detail: str | None
    proposed_by: str | None
    confirmed_by: str | None


def view_details(
    session: Session, vault: Vault, concern: Concern, *, now: datetime, scales: Timescales
) -> ConcernDetails:
    """Decrypt a concern for an authorised person, with its open deadlines as they stand
    `now`; `record_viewing` audits the showing."""
    try:
        data_key = vault.concern_key(concern)
    except ContentDestroyed:
        return _destroyed_details(session, vault, concern)
    report = vault.open_json(
        data_key, concern.report_enc, table="concerns", row_id=concern.id, field="report"
    )
    reporter_user_id = None
    if concern.reporter_enc is not None and concern.identity_mode in (
        IdentityMode.OPEN,
        IdentityMode.CONFIDENTIAL,
    ):
        reporter_user_id = vault.open_json(
            data_key, concern.reporter_enc, table="concerns", row_id=concern.id, field="reporter"
        )["user_id"]

    def opened(blob: bytes | None, field: str) -> str | None:
        if blob is None:
            return None
        return vault.open_text(data_key, blob, table="concerns", row_id=concern.id, field=field)

    referral_authority = opened(concern.referral_authority_enc, "referral_authority")
    referral_reference = opened(concern.referral_reference_enc, "referral_reference")
    no_referral = (
        NoReferral(
            reason=concern.no_referral_reason,
            detail=opened(concern.no_referral_detail_enc, "no_referral_detail"),
            proposed_by=concern.no_referral_by,
            confirmed_by=concern.no_referral_confirmed_by,
        )
        if concern.no_referral_reason
        else None
    )
    return ConcernDetails(
        **_plain_facts(concern),
        report={str(k): str(v) for k, v in report.items()},
        reporter_user_id=reporter_user_id,
        referral_authority=referral_authority,
        referral_reference=referral_reference,
        timeline=read_timeline(session, vault, concern, reporter_view=False),
        referral_chased_at=concern.referral_chased_at,
        no_referral=no_referral,
        deadlines=deadlines(concern, scales, now),
        legal_hold_by=concern.legal_hold_by,
        legal_hold_at=concern.legal_hold_at,
    )


def _destroyed_details(session: Session, vault: Vault, concern: Concern) -> ConcernDetails:
    """What is left of a concern whose content was destroyed: the plain facts only."""
    return ConcernDetails(
        **_plain_facts(concern),
        report={},
        reporter_user_id=None,
        referral_authority=None,
        referral_reference=None,
        timeline=read_timeline(session, vault, concern, reporter_view=False)
        if concern.destroyed_at is not None
        else [],
        destroyed_at=concern.destroyed_at or concern.updated_at,
    )


def _plain_facts(concern: Concern) -> dict[str, Any]:
    """The facts kept in plain columns, shown whether or not the content can be opened."""
    return {
        "reference": concern.reference,
        "kind": concern.kind,
        "identity_mode": concern.identity_mode,
        "status": concern.status,
        "stage": concern.stage,
        "elements": list(concern.elements),
        "referral_made_at": concern.referral_made_at,
        "referral_acknowledged_at": concern.referral_acknowledged_at,
        "at_risk": concern.at_risk,
        "detriment": concern.detriment,
        "professional_group": concern.professional_group,
        "site": concern.site,
        "outcome": concern.outcome,
        "feedback": concern.feedback,
        "created_at": concern.created_at,
        "owner_id": concern.owner_id,
        "concern_id": concern.id,
        "worker_type": concern.worker_type,
        "urgent": concern.urgent,
    }


def record_viewing(
    session: Session, reference: str, *, viewer_id: str, now: datetime, failed: str | None = None
) -> None:
    """Audit one showing of a concern's details, once Slack has answered for it.

    "concern.viewed" when Slack confirmed the details were shown. "concern.view_failed" (with
    Slack's error code or the exception's type) when it did not: the details were decrypted
    for this person, and after a timeout they may even have been shown, so the attempt is
    recorded rather than forgotten.
    """
    audit.append(
        session,
        at=now,
        actor=viewer_id,
        action="concern.viewed" if failed is None else "concern.view_failed",
        concern_reference=reference,
        detail={} if failed is None else {"error": failed},
    )


def record_feedback(
    session: Session,
    vault: Vault,
    concern: Concern,
    answer: str,
    comment: str | None,
    *,
    now: datetime,
) -> None:
    """The reporter's answer to "would you speak up again?", kept for the quarterly return."""
    if problem := feedback_refusal(
        answer, status=concern.status, already_given=concern.feedback is not None
    ):
        raise IllegalMove(problem)
    concern.feedback = answer
    concern.feedback_given_at = now  # the quarterly return counts it in this quarter
    add_event(
        session,
        vault,
        concern,
        kind="feedback",
        actor_role="reporter",
        summary="The reporter gave feedback",
        body=comment,
        now=now,
    )
    audit_concern(session, concern, "feedback.given", actor="reporter", now=now)
