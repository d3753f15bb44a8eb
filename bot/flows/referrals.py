"""The referral decision on a safeguarding concern, besides recording the referral itself
(bot.flows.triage): "no referral needed" proposed with a reason and confirmed by a second
member of the team, and a referral's acknowledgement chased and not received.

Each change is checked against bot.domain.safeguarding first, and writes the timeline, the
audit log, the card and a content-free line in its thread, in the caller's transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.clock import local_today, picked_moment
from bot.domain.moves import IllegalMove
from bot.domain.safeguarding import (
    NO_REFERRAL_REASONS,
    NoReferralReason,
    ReferralFacts,
    chase_date_problem,
    duplicate_problem,
    no_referral_detail_problem,
)
from bot.domain.team_rules import TeamForm, form_refusal
from bot.flows.conversation import audit_concern
from bot.flows.team_steps import record_team_step
from storage.models import Concern
from storage.vault import Vault

DETAIL_FIELD = "no_referral_detail"
# A "no referral needed" decision, proposed and perhaps confirmed, is held in these columns.
# Named as attributes, not strings, so a renamed column is caught by the type checker.
NO_REFERRAL_COLUMNS = (
    Concern.no_referral_reason,
    Concern.no_referral_detail_enc,
    Concern.no_referral_by,
    Concern.no_referral_at,
    Concern.no_referral_confirmed_by,
    Concern.no_referral_confirmed_at,
)


def withdraw_no_referral(concern: Concern) -> None:
    """A referral made is the decision: any "no referral needed" proposed before it gives way."""
    for column in NO_REFERRAL_COLUMNS:
        setattr(concern, column.key, None)


def _refuse_unless_allowed(form: TeamForm, concern: Concern, actor_id: str) -> None:
    if problem := form_refusal(
        form,
        reference=concern.reference,
        kind=concern.kind,
        status=concern.status,
        referral=ReferralFacts.of(concern),
        user_id=actor_id,
    ):
        raise IllegalMove(problem)


def propose_no_referral(
    session: Session,
    vault: Vault,
    concern: Concern,
    *,
    reason: str,
    detail: str | None,
    actor_id: str,
    now: datetime,
) -> None:
    """Record "no referral needed" with its reason; it waits for a second member to confirm."""
    _refuse_unless_allowed(TeamForm.NO_REFERRAL, concern, actor_id)
    if reason not in NO_REFERRAL_REASONS:
        raise IllegalMove("Choose a reason from the list.")
    if problem := no_referral_detail_problem(reason, detail):
        raise IllegalMove(problem)
    if reason == NoReferralReason.NOT_SAFEGUARDING:
        detail = detail or None
    if reason == NoReferralReason.DUPLICATE and detail:
        detail = detail.strip().upper()
        exists = session.scalar(select(Concern.id).where(Concern.reference == detail)) is not None
        if problem := duplicate_problem(concern.reference, detail, exists=exists):
            raise IllegalMove(problem)
    concern.no_referral_reason = reason
    # CAD numbers, references and reasons are typed text: sealed like all free text.
    concern.no_referral_detail_enc = (
        vault.seal_text(
            vault.concern_key(concern),
            detail,
            table="concerns",
            row_id=concern.id,
            field=DETAIL_FIELD,
        )
        if detail
        else None
    )
    concern.no_referral_by = actor_id
    concern.no_referral_at = now
    concern.no_referral_confirmed_by = None
    concern.no_referral_confirmed_at = None
    label = NO_REFERRAL_REASONS[reason]
    record_team_step(
        session,
        vault,
        concern,
        event="no_referral_proposed",
        summary=f"No referral needed proposed ({label}); awaiting a second member's confirmation",
        action="referral.not_needed_proposed",
        detail={"reason": reason},
        card_line=f"<@{actor_id}> proposed that no referral is needed ({label.lower()}). A "
        "second member of the safeguarding team must confirm it before the concern can close.",
        actor_id=actor_id,
        now=now,
    )


def confirm_no_referral(
    session: Session, vault: Vault, concern: Concern, *, actor_id: str, now: datetime
) -> None:
    """A second, different member of the team confirms "no referral needed"."""
    _refuse_unless_allowed(TeamForm.CONFIRM_NO_REFERRAL, concern, actor_id)
    concern.no_referral_confirmed_by = actor_id
    concern.no_referral_confirmed_at = now
    label = NO_REFERRAL_REASONS.get(concern.no_referral_reason or "", "")
    record_team_step(
        session,
        vault,
        concern,
        event="no_referral_confirmed",
        summary=f"No referral needed confirmed ({label})",
        action="referral.not_needed_confirmed",
        detail={"reason": concern.no_referral_reason, "proposed_by": concern.no_referral_by},
        card_line=f"<@{actor_id}> confirmed that no referral is needed.",
        actor_id=actor_id,
        now=now,
    )


def record_referral_chased(
    session: Session,
    vault: Vault,
    concern: Concern,
    *,
    chased_on: date | None,
    actor_id: str,
    now: datetime,
    timezone: str,
) -> None:
    """The local authority's acknowledgement was chased and has not come: recorded with the
    date, so the gap is on record rather than silent."""
    _refuse_unless_allowed(TeamForm.REFERRAL_CHASED, concern, actor_id)
    made_on = (
        concern.referral_made_at.astimezone(ZoneInfo(timezone)).date()
        if concern.referral_made_at
        else None
    )
    problem = chase_date_problem(chased_on, made_on, local_today(now, timezone))
    if problem is not None or chased_on is None:  # a missing date is one of its problems
        raise IllegalMove(problem or "Pick the date you chased the local authority.")
    concern.referral_chased_at = picked_moment(chased_on, now, timezone)
    record_team_step(
        session,
        vault,
        concern,
        event="referral_chased",
        summary="The referral's acknowledgement was chased and has not been received",
        action="referral.chased",
        detail={"chased_on": chased_on.isoformat()},
        card_line=f"<@{actor_id}> recorded that the referral's acknowledgement was chased and "
        "has not come.",
        actor_id=actor_id,
        now=now,
    )


def no_referral_detail(
    session: Session, vault: Vault, concern: Concern, *, viewer_id: str, now: datetime
) -> str | None:
    """The detail given with a proposed "no referral needed", decrypted for the member asked
    to confirm it; the opening is audited like any opening of a concern's details."""
    if concern.no_referral_detail_enc is None:
        return None
    audit_concern(
        session, concern, "concern.viewed", actor=viewer_id, now=now, detail={"part": "no_referral"}
    )
    return vault.open_text(
        vault.concern_key(concern),
        concern.no_referral_detail_enc,
        table="concerns",
        row_id=concern.id,
        field=DETAIL_FIELD,
    )
