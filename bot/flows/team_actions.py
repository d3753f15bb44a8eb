"""The shape every team action takes: authorise from the verified user, act in one
transaction, turn refusals and races into a plain message, then wake the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.domain.clock import utcnow
from bot.domain.taxonomy import ConcernKind, IdentityMode
from bot.flows import dedupe
from bot.flows.context import AppContext
from bot.flows.integrity import integrity_failed
from bot.flows.lifecycle import IllegalMove, Move, MoveDetails, transition
from bot.flows.triage import NotAllowed, find_concern
from bot.slack import signed_metadata
from storage.models import Concern
from storage.vault import IntegrityCheckFailed

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
        ref = ConcernRef(
            id=concern.id,
            reference=concern.reference,
            kind=ConcernKind(concern.kind),
            status=concern.status,
            no_contact=concern.identity_mode == IdentityMode.ANONYMOUS_NO_CONTACT,
            channel=concern.channel,
        )
    if failure is not None:
        raise NotAllowed(
            integrity_failed(context.db, failure, actor=user_id, where="team", now=context.now())
        )
    try:
        allowed = context.team.may_act(user_id, ref.kind)
    except (SlackApiError, SlackClientError, OSError):
        log.warning("authz.lookup_failed", reference=ref.reference)
        raise NotAllowed(
            "I could not check your team membership with Slack just now. Please try again."
        ) from None
    if not allowed:
        log.info("authz.refused", reference=ref.reference, actor=user_id)
        raise NotAllowed(f"Only {context.team.team_name(ref.kind)} can do this.")
    return ref


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
                claim_submission(context, session, submission_id)
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


def claim_submission(context: AppContext, session: Session, submission_id: str) -> None:
    """Record a view submission as handled; IntegrityError if it already was."""
    key = "view:" + context.vault.ring.blind_index("view:" + submission_id)[:48]
    dedupe.claim(session, key, now=utcnow())


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
            now=utcnow(),
            update_interval_days=context.policy.timescales.update_interval_days,
            details=details,
        )

    return act(
        context, concern_id, user_id, change, action=which.value, submission_id=submission_id
    )


def form_metadata(context: AppContext, form: str, concern_id: str, user_id: str) -> str:
    """Signed private_metadata tying a modal to one concern and the person who opened it."""
    return signed_metadata.sign(
        context.vault.ring, {"form": form, "concern": concern_id, "by": user_id}
    )


def read_form_metadata(
    context: AppContext, form: str, private_metadata: str | None, user_id: str
) -> str | None:
    """The concern id a submitted modal is about, or None if the metadata was tampered with
    or the modal is being submitted by someone other than who opened it."""
    data = signed_metadata.verify(context.vault.ring, private_metadata)
    if data is None or data.get("form") != form or data.get("by") != user_id:
        return None
    concern = data.get("concern")
    return concern if isinstance(concern, str) else None
