"""The team's forms sent back: each applies its change once, through `team_actions.act`.

Each returns a refusal in plain words, or None when the change is made (or was already made
by the same submission, sent twice).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot.domain.clock import local_today
from bot.domain.moves import Move, MoveDetails
from bot.domain.team_rules import referral_date_problem
from bot.flows.context import AppContext
from bot.flows.conversation import ask_reporter
from bot.flows.recording_fields import RecordingFields, check_fields, edit_recording
from bot.flows.team_actions import act, authorise, move
from bot.flows.triage import NotAllowed, add_note, assign_owner, record_referral
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
        assign_owner(session, context.vault, concern, owner_id, actor_id=user_id, now=context.now())

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


def current_recording(context: AppContext, concern_id: str, user_id: str) -> RecordingFields:
    """The recorded fields as they stand, for the person about to correct them."""
    ref = authorise(context, concern_id, user_id)
    with context.db.transaction() as session:
        concern = session.get(Concern, ref.id)
        if concern is None:
            raise NotAllowed("That concern could not be found.")
        return RecordingFields.of(concern, context.policy.timezone)


def correct_recording(
    context: AppContext,
    concern_id: str,
    user_id: str,
    fields: RecordingFields,
    *,
    submission_id: str,
) -> dict[str, str]:
    """Problems by field name (empty when the correction is made or was already made)."""
    try:
        ref = authorise(context, concern_id, user_id)
    except NotAllowed as refused:
        return {"elements": str(refused)}
    today = local_today(context.now(), context.policy.timezone)
    if problems := check_fields(fields, kind=ref.kind, today=today):
        return problems

    def change(session: Session, concern: Concern) -> None:
        edit_recording(
            session,
            context.vault,
            concern,
            fields,
            actor_id=user_id,
            now=context.now(),
            timezone=context.policy.timezone,
        )

    refusal = act(
        context, concern_id, user_id, change, action="edit_recording", submission_id=submission_id
    )
    return {"elements": refusal} if refusal else {}
