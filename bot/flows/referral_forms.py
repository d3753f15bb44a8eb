"""The safeguarding team's referral-decision forms sent back: "no referral needed", its
confirmation by a second member, and an acknowledgement chased. Each applies its change
once, through `team_actions.act`, and returns a refusal in plain words or None."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.flows.context import AppContext
from bot.flows.integrity import integrity_failed
from bot.flows.referrals import (
    confirm_no_referral,
    no_referral_detail,
    propose_no_referral,
    record_referral_chased,
)
from bot.flows.team_actions import ConcernRef, act
from bot.flows.triage import NotAllowed, find_concern
from storage.models import Concern
from storage.vault import IntegrityCheckFailed


def save_no_referral(
    context: AppContext,
    concern_id: str,
    user_id: str,
    *,
    reason: str,
    detail: str | None,
    submission_id: str,
) -> str | None:
    """Propose "no referral needed" with a reason; a second member confirms it."""

    def change(session: Session, concern: Concern) -> None:
        now = context.now()
        propose_no_referral(
            session, context.vault, concern, reason=reason, detail=detail, actor_id=user_id, now=now
        )

    return act(
        context, concern_id, user_id, change, action="no_referral", submission_id=submission_id
    )


def save_no_referral_confirmation(
    context: AppContext, concern_id: str, user_id: str, *, submission_id: str
) -> str | None:
    def change(session: Session, concern: Concern) -> None:
        confirm_no_referral(session, context.vault, concern, actor_id=user_id, now=context.now())

    return act(
        context,
        concern_id,
        user_id,
        change,
        action="confirm_no_referral",
        submission_id=submission_id,
    )


def save_referral_chased(
    context: AppContext,
    concern_id: str,
    user_id: str,
    *,
    chased_on: date | None,
    submission_id: str,
) -> str | None:
    def change(session: Session, concern: Concern) -> None:
        record_referral_chased(
            session,
            context.vault,
            concern,
            chased_on=chased_on,
            actor_id=user_id,
            now=context.now(),
            timezone=context.policy.timezone,
        )

    return act(
        context, concern_id, user_id, change, action="referral_chased", submission_id=submission_id
    )


@dataclass(frozen=True)
class NoReferralProposal:
    """What a second member is asked to confirm."""

    reason: str
    detail: str | None
    proposed_by: str | None


def proposal_to_confirm(context: AppContext, ref: ConcernRef, viewer_id: str) -> NoReferralProposal:
    """The pending "no referral needed" on an authorised concern, its detail decrypted (and
    the opening audited) for the member asked to confirm it; NotAllowed, after telling the
    ops team, if the concern's sealed facts were changed."""
    try:
        with context.db.transaction() as session:
            concern = find_concern(session, ref.id)
            if concern is None or not concern.no_referral_reason:
                raise NotAllowed("There is nothing to confirm on this concern.")
            detail = no_referral_detail(
                session, context.vault, concern, viewer_id=viewer_id, now=context.now()
            )
            return NoReferralProposal(concern.no_referral_reason, detail, concern.no_referral_by)
    except IntegrityCheckFailed as failure:
        raise NotAllowed(
            integrity_failed(
                context.db, failure, actor=viewer_id, where="confirm_no_referral", now=context.now()
            )
        ) from None
