"""Legal hold: a lead keeps a concern's content past its retention period (a claim, an
inquiry, a tribunal), and lifts the hold when it is over.

Only the guardian leads (speak-up) and safeguarding leads (safeguarding), decided from the
verified Slack user id, whether asked by command or by View details' button. Setting a hold
takes the data key back under the key ring alone, so deleting a month's shred key can never
touch it; lifting it wraps the key for its month again. Audited, on the timeline, and a
content-free line in the card's thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm.exc import StaleDataError

from bot.domain.taxonomy import ConcernKind
from bot.flows.authorisation import TeamLookupFailed
from bot.flows.context import AppContext
from bot.flows.conversation import note_on_card
from bot.flows.integrity import integrity_failed
from bot.flows.retention import place_key
from bot.flows.timeline import add_team_event
from storage import audit
from storage.models import Concern
from storage.vault import ContentDestroyed, IntegrityCheckFailed

log = structlog.stdlib.get_logger(__name__)

USAGE = (
    "Type `/speakup hold <reference>` to place a legal hold, "
    "`/speakup release <reference>` to lift it."
)
LOOKUP_FAILED = "I could not check your role with Slack just now. Please try again."
NOT_FOUND = "That concern could not be found. It may have been opened from an old message."


def _leads(context: AppContext, kind: ConcernKind) -> tuple[str, ...]:
    policy = context.policy
    return policy.safeguarding_leads if kind is ConcernKind.SAFEGUARDING else policy.guardian_leads


def _lead_title(kind: ConcernKind) -> str:
    return "safeguarding leads" if kind is ConcernKind.SAFEGUARDING else "guardian leads"


@dataclass(frozen=True)
class HoldAnswer:
    """What to tell the person, and whether the hold was placed or lifted."""

    text: str
    changed_reference: str | None = None  # set when the hold was placed or lifted


def may_hold(context: AppContext, user_id: str, kind: ConcernKind) -> bool:
    """Whether View details should offer `user_id` the hold button on a concern of `kind`;
    pressing it is checked again by the flow, so a failed lookup only hides the button."""
    try:
        return context.team.includes(user_id, _leads(context, kind))
    except TeamLookupFailed:
        return False


def set_legal_hold(context: AppContext, user_id: str, reference_text: str, *, hold: bool) -> str:
    """Place (hold=True) or lift a legal hold by reference; returns what to tell the person."""
    reference = reference_text.strip().upper()[:16]
    if not reference:
        return USAGE
    not_found = f"No concern {reference} was found. Check the reference on its card."
    return _change(context, user_id, Concern.reference == reference, not_found, hold=hold).text


def hold_from_details(
    context: AppContext, user_id: str, concern_id: str, *, hold: bool
) -> HoldAnswer:
    """View details' "Place legal hold" / "Lift legal hold": the command's flow for the
    concern the button names. The button's value only says which concern is meant."""
    return _change(context, user_id, Concern.id == concern_id[:64], NOT_FOUND, hold=hold)


def _change(
    context: AppContext,
    user_id: str,
    which: ColumnElement[bool],
    not_found: str,
    *,
    hold: bool,
) -> HoldAnswer:
    try:
        lead_of_any = any(
            context.team.includes(user_id, _leads(context, kind)) for kind in ConcernKind
        )
    except TeamLookupFailed:
        return HoldAnswer(LOOKUP_FAILED)
    if not lead_of_any:
        log.info("legal_hold.refused", actor=user_id)
        return HoldAnswer(
            "Only the guardian leads and safeguarding leads can place or lift a legal hold."
        )
    now = context.now()
    reference = "the concern"
    try:
        with context.db.transaction() as session:
            concern = session.scalars(select(Concern).where(which)).first()
            if concern is None:
                return HoldAnswer(not_found)
            reference = concern.reference
            kind = ConcernKind(concern.kind)
            if not context.team.includes(user_id, _leads(context, kind)):
                title = _lead_title(kind)
                return HoldAnswer(
                    f"Only the {title} can place or lift a legal hold on {reference}."
                )
            if concern.destroyed_at is not None:
                return HoldAnswer(
                    f"{reference}'s details were already destroyed at the end of its "
                    "retention period; there is nothing left to hold."
                )
            if hold and concern.legal_hold_at is not None:
                by = concern.legal_hold_by
                return HoldAnswer(f"{reference} is already under a legal hold (placed by <@{by}>).")
            if not hold and concern.legal_hold_at is None:
                return HoldAnswer(f"{reference} is not under a legal hold.")
            concern.legal_hold_at = now if hold else None
            concern.legal_hold_by = user_id if hold else None
            concern.updated_at = now
            place_key(session, context.vault, concern, context.policy.retention, now)
            action = "placed a legal hold on" if hold else "lifted the legal hold on"
            event_uid = add_team_event(
                session,
                context.vault,
                concern,
                "legal_hold" if hold else "legal_hold_lifted",
                "Legal hold placed" if hold else "Legal hold lifted",
                user_id,
                now,
            )
            audit.append(
                session,
                at=now,
                actor=user_id,
                action="concern.legal_hold_set" if hold else "concern.legal_hold_lifted",
                concern_reference=reference,
            )
            note_on_card(session, concern, f"<@{user_id}> {action} this concern.", now, event_uid)
    except IntegrityCheckFailed as failure:
        return HoldAnswer(
            integrity_failed(context.db, failure, actor=user_id, where="legal_hold", now=now)
        )
    except ContentDestroyed:
        return HoldAnswer(
            f"{reference}'s details can no longer be opened (its shred key is gone), so there "
            "is nothing left to hold. The ops team can check SPEAKUP_SHRED_KEY_DIR."
        )
    except TeamLookupFailed:
        return HoldAnswer(LOOKUP_FAILED)
    except StaleDataError:
        return HoldAnswer(f"Someone else changed {reference} at the same moment. Please try again.")
    log.info("legal_hold.changed", reference=reference, actor=user_id, hold=hold)
    context.wake_outbox()
    if hold:
        return HoldAnswer(
            f"Legal hold placed on {reference}: its details will not be destroyed while the "
            f"hold stands. Lift it with `/speakup release {reference}` or from View details.",
            changed_reference=reference,
        )
    return HoldAnswer(
        f"Legal hold lifted on {reference}: its retention period applies again.",
        changed_reference=reference,
    )
