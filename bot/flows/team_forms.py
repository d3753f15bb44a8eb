"""The team's forms sent back: each applies its change once, through `team_actions.act`.

Each returns a refusal in plain words, or None when the change is made (or was already made
by the same submission, sent twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.domain.clock import local_today
from bot.domain.moves import Move, MoveDetails
from bot.domain.team_rules import referral_date_problem
from bot.flows.context import AppContext
from bot.flows.conversation import ask_reporter
from bot.flows.referrals import (
    confirm_no_referral,
    no_referral_detail,
    propose_no_referral,
    record_referral_chased,
)
from bot.flows.team_actions import ConcernRef, act, authorise, move
from bot.flows.triage import NotAllowed, add_note, assign_owner, find_concern, record_referral
from storage.models import Concern


def send_question(
    context: AppContext, concern_id: str, user_id: str, question: str, *, submission_id: str
) -> str | None:
    def change(session: Session, concern: Concern) -> None:
        ask_reporter(session, context.vault, concern, question, actor_id=user_id, now=context.now())

    return act(
        context, concern_id, user_id, change, action="ask_reporter", submission_id=submission_id
    )


def save_note(
    context: AppContext, concern_id: str, user_id: str, note: str, *, submission_id: str
) -> str | None:
    def change(session: Session, concern: Concern) -> None:
        add_note(session, context.vault, concern, note, actor_id=user_id, now=context.now())

    return act(context, concern_id, user_id, change, action="add_note", submission_id=submission_id)


def assign(
    context: AppContext, concern_id: str, user_id: str, owner_id: str, *, submission_id: str
) -> str | None:
    """Give the concern an owner, who must be on the team that handles it."""
    try:
        ref = authorise(context, concern_id, user_id)
        on_team = owner_id in context.team.members(ref.kind)
    except NotAllowed as refused:
        return str(refused)
    if not on_team:
        return f"Choose one of {context.team.team_name(ref.kind)}."

    def change(session: Session, concern: Concern) -> None:
        assign_owner(session, concern, owner_id, actor_id=user_id, now=context.now())

    return act(context, concern_id, user_id, change, action="assign", submission_id=submission_id)


def change_status(
    context: AppContext,
    concern_id: str,
    user_id: str,
    which: Move,
    details: MoveDetails,
    *,
    submission_id: str,
) -> str | None:
    return move(context, concern_id, user_id, which, details, submission_id=submission_id)


def referral_date_refusal(context: AppContext, made_on: date | None) -> str | None:
    """A field error for the referral's date, judged by the trust's today."""
    return referral_date_problem(made_on, local_today(context.now(), context.policy.timezone))


def save_referral(
    context: AppContext,
    concern_id: str,
    user_id: str,
    *,
    authority: str,
    made_on: date,
    reference: str | None,
    submission_id: str,
) -> str | None:
    now = context.now()

    def change(session: Session, concern: Concern) -> None:
        record_referral(
            session,
            context.vault,
            concern,
            authority=authority,
            made_on=made_on,
            reference=reference,
            actor_id=user_id,
            now=now,
            timezone=context.policy.timezone,
        )

    return act(context, concern_id, user_id, change, action="referral", submission_id=submission_id)


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
        propose_no_referral(
            session,
            context.vault,
            concern,
            reason=reason,
            detail=detail,
            actor_id=user_id,
            now=context.now(),
        )

    return act(
        context, concern_id, user_id, change, action="no_referral", submission_id=submission_id
    )


def save_no_referral_confirmation(
    context: AppContext, concern_id: str, user_id: str, *, submission_id: str
) -> str | None:
    def change(session: Session, concern: Concern) -> None:
        confirm_no_referral(session, concern, actor_id=user_id, now=context.now())

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
    the opening audited) for the member asked to confirm it."""
    with context.db.transaction() as session:
        concern = find_concern(session, ref.id)
        if concern is None or not concern.no_referral_reason:
            raise NotAllowed("There is nothing to confirm on this concern.")
        detail = no_referral_detail(
            session, context.vault, concern, viewer_id=viewer_id, now=context.now()
        )
        return NoReferralProposal(concern.no_referral_reason, detail, concern.no_referral_by)
