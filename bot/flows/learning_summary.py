""" "You said, we did": a guardian drafts a short learning summary of a closed concern, and a
second, different guardian approves it; only then is it posted to the learning channel.

Both steps are authorised from the verified Slack user (bot.flows.team_actions). The draft is
sealed with the concern's data key and bound to its drafter, so neither its text nor who
drafted it can be changed in the database unseen. The post carries the summary and a month:
no reference, no names, nothing that ties it to the case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain.aftercare import learning_text_problem, month_label
from bot.domain.taxonomy import ConcernKind, Status
from bot.flows import effects
from bot.flows.context import AppContext
from bot.flows.conversation import audit_concern, note_on_card
from bot.flows.integrity import integrity_failed
from bot.flows.team_actions import act, authorise
from bot.flows.triage import NotAllowed
from storage.crypto import DecryptionError
from storage.models import Concern, LearningSummary
from storage.vault import IntegrityCheckFailed, Vault

TURNED_OFF = (
    "Learning summaries are not turned on: SPEAKUP_LEARNING_CHANNEL names no channel to "
    "post them in. Ask whoever runs speakup to set it."
)


DESTROYED = (
    "This concern's content was destroyed at the end of its retention period, so there is no "
    "learning summary to draft or approve."
)


def _still_held(concern: Concern) -> None:
    if concern.destroyed_at is not None:
        raise NotAllowed(DESTROYED)


class LearningStep(StrEnum):
    DRAFT = "draft"  # nothing drafted yet, or this person's own draft to change
    APPROVE = "approve"  # someone else's draft, waiting for a second guardian
    POSTED = "posted"


@dataclass(frozen=True)
class LearningTarget:
    concern_id: str
    reference: str
    step: LearningStep
    text: str | None  # the current draft, for its drafter to change or another to approve
    drafted_by: str | None


def _summary_of(session: Session, concern_id: str) -> LearningSummary | None:
    return session.scalars(
        select(LearningSummary).where(LearningSummary.concern_id == concern_id)
    ).first()


def _field(drafted_by: str) -> str:
    return f"text:{drafted_by}"


def draft_text(vault: Vault, concern: Concern, summary: LearningSummary) -> str:
    """The draft, opened only for the team or to post it; IntegrityCheckFailed if its text or
    who drafted it were changed in the database."""
    try:
        return vault.open_text(
            vault.concern_key(concern),
            summary.text_enc,
            table="learning_summaries",
            row_id=summary.id,
            field=_field(summary.drafted_by),
        )
    except DecryptionError:
        raise IntegrityCheckFailed(concern.reference, "the learning summary") from None


def _refused(context: AppContext, failure: IntegrityCheckFailed, user_id: str) -> NotAllowed:
    return NotAllowed(
        integrity_failed(context.db, failure, actor=user_id, where="learning", now=context.now())
    )


def learning_target(context: AppContext, concern_id: str, user_id: str) -> LearningTarget:
    """What the Learning summary button opens for this person; NotAllowed with the reason."""
    if not context.policy.aftercare.learning_channel:
        raise NotAllowed(TURNED_OFF)
    ref = authorise(context, concern_id, user_id)
    if ref.kind is not ConcernKind.SPEAK_UP:
        raise NotAllowed("Learning summaries are for speak-up concerns.")
    if ref.status != Status.CLOSED:
        raise NotAllowed(f"{ref.reference} is open: draft its learning summary once it closes.")
    try:
        with context.db.transaction() as session:
            concern = session.get_one(Concern, ref.id)
            _still_held(concern)
            summary = _summary_of(session, ref.id)
            if summary is None:
                return LearningTarget(ref.id, ref.reference, LearningStep.DRAFT, None, None)
            if summary.approved_at is not None:
                step = LearningStep.POSTED
            elif summary.drafted_by == user_id:
                step = LearningStep.DRAFT
            else:
                step = LearningStep.APPROVE
            text = draft_text(context.vault, concern, summary)
            return LearningTarget(ref.id, ref.reference, step, text, summary.drafted_by)
    except IntegrityCheckFailed as failure:
        raise _refused(context, failure, user_id) from None


def save_draft(
    context: AppContext, concern_id: str, user_id: str, text: str, *, submission_id: str
) -> str | None:
    """Keep the draft (replacing an unapproved one); a refusal in plain words, or None."""
    if not context.policy.aftercare.learning_channel:
        return TURNED_OFF
    if problem := learning_text_problem(text):
        return problem
    now = context.now()

    def change(session: Session, concern: Concern) -> None:
        _still_held(concern)
        if concern.kind != ConcernKind.SPEAK_UP or concern.status != Status.CLOSED:
            raise NotAllowed(f"{concern.reference} is not a closed speak-up concern.")
        summary = _summary_of(session, concern.id)
        if summary is not None and summary.approved_at is not None:
            raise NotAllowed("This concern's learning summary is already approved and posted.")
        if summary is None:
            summary = LearningSummary(id=str(uuid.uuid4()), concern_id=concern.id)
            session.add(summary)
        summary.drafted_by = user_id
        summary.drafted_at = now
        summary.text_enc = context.vault.seal_text(
            context.vault.concern_key(concern),
            text,
            table="learning_summaries",
            row_id=summary.id,
            field=_field(user_id),
        )
        audit_concern(session, concern, "learning.drafted", actor=user_id, now=now)
        note_on_card(
            session,
            concern,
            f"<@{user_id}> drafted a learning summary. A different guardian can approve it "
            "with Learning summary on this card.",
            now,
            f"learning-draft:{concern.id}:{submission_id}",
        )

    return act(
        context, concern_id, user_id, change, action="learning_draft", submission_id=submission_id
    )


def approve(
    context: AppContext, concern_id: str, user_id: str, *, submission_id: str
) -> str | None:
    """A second guardian approves the draft, which is then posted once; a refusal or None."""
    channel = context.policy.aftercare.learning_channel
    if not channel:
        return TURNED_OFF
    now = context.now()

    def change(session: Session, concern: Concern) -> None:
        _still_held(concern)
        summary = _summary_of(session, concern.id)
        if summary is None:
            raise NotAllowed("There is no learning summary to approve yet.")
        if summary.approved_at is not None:
            raise NotAllowed("This learning summary is already approved and posted.")
        if summary.drafted_by == user_id:
            raise NotAllowed("You drafted this summary, so a different guardian must approve it.")
        draft_text(context.vault, concern, summary)  # refuses a draft changed in the database
        approved = session.execute(
            update(LearningSummary)
            .where(LearningSummary.id == summary.id, LearningSummary.approved_at.is_(None))
            .values(approved_by=user_id, approved_at=now)
            .execution_options(synchronize_session=False)
        )
        if not getattr(approved, "rowcount", 0):
            raise NotAllowed("This learning summary is already approved and posted.")
        effects.queue_learning_post(
            session,
            summary_id=summary.id,
            channel=channel,
            month=month_label(now, context.policy.timezone),
            now=now,
        )
        audit_concern(
            session,
            concern,
            "learning.approved",
            actor=user_id,
            now=now,
            detail={"drafted_by": summary.drafted_by},
        )
        note_on_card(
            session,
            concern,
            f"<@{user_id}> approved the learning summary drafted by <@{summary.drafted_by}>; "
            "it is posted in the learning channel without the reference.",
            now,
            f"learning-approved:{concern.id}",
        )

    try:
        return act(
            context,
            concern_id,
            user_id,
            change,
            action="learning_approve",
            submission_id=submission_id,
        )
    except IntegrityCheckFailed as failure:
        return str(_refused(context, failure, user_id))


def posted_summary(context: AppContext, summary_id: str) -> str | None:
    """The approved summary's text, opened to post it (the delivery worker); None if the
    concern's content was destroyed in the moments between approval and posting."""
    with context.db.transaction() as session:
        summary = session.get_one(LearningSummary, summary_id)
        if summary.approved_at is None:
            raise ValueError("learning summary is not approved")
        concern = session.get_one(Concern, summary.concern_id)
        if concern.destroyed_at is not None:
            return None
        return draft_text(context.vault, concern, summary)
