"""The shape every team action takes: authorise from the verified user, act in one
transaction, turn refusals and races into a plain message, then wake the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.domain.moves import IllegalMove, Move, MoveDetails
from bot.domain.safeguarding import ReferralFacts
from bot.domain.taxonomy import ConcernKind, IdentityMode
from bot.domain.team_rules import TeamForm, form_refusal
from bot.flows import dedupe
from bot.flows.authorisation import TeamLookupFailed
from bot.flows.context import AppContext
from bot.flows.integrity import integrity_failed
from bot.flows.lifecycle import transition
from bot.flows.retention import place_key
from bot.flows.triage import ConcernDetails, NotAllowed, find_concern, view_details
from storage.models import Concern
from storage.vault import ContentDestroyed, IntegrityCheckFailed

log = structlog.stdlib.get_logger(__name__)

UNKNOWN = "That concern could not be found. It may have been opened from an old message."


@dataclass(frozen=True)
class ConcernRef:
    id: str
    reference: str
    kind: ConcernKind
    status: str
    no_contact: bool
    channel: str
    referral: ReferralFacts = field(default_factory=ReferralFacts)


def authorise(context: AppContext, concern_id: str, user_id: str) -> ConcernRef:
    """The concern, if `user_id` is on the team that handles it; NotAllowed otherwise."""
    failure: IntegrityCheckFailed | None = None
    with context.db.transaction() as session:
        concern = find_concern(session, concern_id)
        if concern is None:
            raise NotAllowed(UNKNOWN)
        try:
            # The kind decides the team below, the identity mode what it sees: both sealed.
            context.vault.concern_key(concern)
        except IntegrityCheckFailed as caught:
            failure = caught
        except ContentDestroyed:
            pass  # its remains (plain facts) are still the team's to see
        ref = ConcernRef(
            id=concern.id,
            reference=concern.reference,
            kind=ConcernKind(concern.kind),
            status=concern.status,
            no_contact=concern.identity_mode == IdentityMode.ANONYMOUS_NO_CONTACT,
            channel=concern.channel,
            referral=ReferralFacts.of(concern),
        )
    if failure is not None:
        raise NotAllowed(
            integrity_failed(context.db, failure, actor=user_id, where="team", now=context.now())
        )
    # Any failure from here on is logged against the concern (bot.runtime.listener_errors).
    structlog.contextvars.bind_contextvars(reference=ref.reference)
    try:
        allowed = context.team.may_act(user_id, ref.kind)
    except TeamLookupFailed:
        log.warning("authz.lookup_failed", reference=ref.reference)
        raise NotAllowed(
            "I could not check your team membership with Slack just now. Please try again."
        ) from None
    if not allowed:
        log.info("authz.refused", reference=ref.reference, actor=user_id)
        raise NotAllowed(f"Only {context.team.team_name(ref.kind)} can do this.")
    return ref


def open_form(context: AppContext, concern_id: str, user_id: str, form: TeamForm) -> ConcernRef:
    """The concern a card button's form is about, if this person may use that form on it
    now; NotAllowed (with the reason) otherwise, before anyone types into the form."""
    ref = authorise(context, concern_id, user_id)
    if problem := form_refusal(
        form,
        reference=ref.reference,
        kind=ref.kind,
        status=ref.status,
        referral=ref.referral,
        user_id=user_id,
    ):
        raise NotAllowed(problem)
    return ref


def details(context: AppContext, concern_id: str, viewer_id: str) -> ConcernDetails:
    """The decrypted concern for an authorised viewer (bot.flows.triage.record_viewing audits
    the showing); NotAllowed, after telling the ops team, if its sealed facts were changed."""
    try:
        with context.db.transaction() as session:
            concern = find_concern(session, concern_id)
            if concern is None:
                raise NotAllowed(UNKNOWN)
            return view_details(
                session,
                context.vault,
                concern,
                now=context.now(),
                scales=context.policy.timescales,
            )
    except IntegrityCheckFailed as failure:
        raise NotAllowed(
            integrity_failed(
                context.db, failure, actor=viewer_id, where="details", now=context.now()
            )
        ) from None


def act(
    context: AppContext,
    concern_id: str,
    user_id: str,
    change: Callable[[Session, Concern], None],
    *,
    action: str,
    submission_id: str | None = None,
) -> str | None:
    """Authorise, then apply `change` in one transaction. Returns a refusal message or None.

    With `submission_id` (a submitted view's id) the change happens at most once: a form
    sent twice, by a double press or Slack's retry, is answered as done the second time.
    """
    try:
        ref = authorise(context, concern_id, user_id)
        with context.db.transaction() as session:
            concern = find_concern(session, ref.id)
            if concern is None:
                raise NotAllowed(UNKNOWN)
            if submission_id:
                dedupe.claim_view(session, context.vault.ring, submission_id, now=context.now())
            change(session, concern)
    except (NotAllowed, IllegalMove) as refusal:
        return str(refusal)
    except IntegrityError:
        if not submission_id:
            raise
        log.info("triage.repeat_submission", action=action, concern_id=concern_id)
        return None
    except StaleDataError:
        log.info("triage.conflict", action=action, concern_id=concern_id)
        return (
            "Someone else changed this concern at the same moment, so your action was not "
            "applied. The card shows where it is now."
        )
    log.info("triage.done", action=action, reference=ref.reference, actor=user_id)
    context.wake_outbox()
    return None


def move(
    context: AppContext,
    concern_id: str,
    user_id: str,
    which: Move,
    details: MoveDetails | None = None,
    *,
    submission_id: str | None = None,
) -> str | None:
    """A status move through the one transition function."""

    def change(session: Session, concern: Concern) -> None:
        transition(
            session,
            context.vault,
            concern,
            which,
            actor_id=user_id,
            now=context.now(),
            update_interval_days=context.policy.timescales.update_interval_days,
            details=details,
        )
        # Closing wraps the data key under its destruction month's shred key; reopening
        # takes it back under the ring alone (bot.flows.retention).
        place_key(session, context.vault, concern, context.policy.retention, context.now())

    return act(
        context, concern_id, user_id, change, action=which.value, submission_id=submission_id
    )
