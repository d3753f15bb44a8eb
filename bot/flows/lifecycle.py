"""Every change to a concern's status goes through `transition`: one place that enforces the
allowed moves (SPEC §2), sets timestamps, writes the timeline and audit, and queues the card
update, the thread line and the reporter's update — all in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from bot.domain.taxonomy import OUTCOMES, STATUS_LABELS, ConcernKind, Stage, Status
from bot.flows.conversation import note_on_card
from bot.flows.timeline import add_event, notify_reporter
from storage import audit, outbox
from storage.models import Concern
from storage.vault import Vault


class Move(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    UPDATE_STATUS = "update_status"
    CLOSE = "close"
    REOPEN = "reopen"


ALLOWED_FROM: dict[Move, frozenset[str]] = {
    Move.ACKNOWLEDGE: frozenset({Status.RECEIVED}),
    Move.UPDATE_STATUS: frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS}),
    Move.CLOSE: frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS}),
    Move.REOPEN: frozenset({Status.CLOSED}),
}


class IllegalMove(Exception):
    """The concern is not in a state that allows this; the message is for the person acting."""


def refusal(move: Move, concern: Concern) -> str:
    ref = concern.reference
    if concern.status == Status.CLOSED and move is not Move.REOPEN:
        return f"{ref} is closed. Reopen it first if there is more to do."
    if move is Move.ACKNOWLEDGE:
        return f"{ref} has already been acknowledged."
    if move is Move.REOPEN:
        return f"{ref} is still open, so there is nothing to reopen."
    if concern.status == Status.RECEIVED:
        return f"{ref} has not been acknowledged yet. Acknowledge it first."
    return f"{ref} cannot be changed that way right now."


@dataclass(frozen=True)
class MoveDetails:
    stage: Stage | None = None
    outcome: str | None = None
    findings: str | None = None  # internal: what was found and what changed
    reporter_message: str | None = None  # shared with the reporter, optional


@dataclass(frozen=True)
class MoveResult:
    reference: str
    status: str
    reporter_told: bool


def _reporter_summary(move: Move, concern: Concern, next_update: datetime) -> str:
    when = next_update.strftime("%d %B %Y")
    if move is Move.ACKNOWLEDGE:
        who = "The safeguarding team" if concern.kind == ConcernKind.SAFEGUARDING else "A guardian"
        return f"{who} has acknowledged your concern and will look into it. Next update by {when}"
    if move is Move.UPDATE_STATUS:
        label = STATUS_LABELS[concern.stage or concern.status].lower()
        return f"Your concern is now: {label}. Next update by {when}"
    if move is Move.CLOSE:
        return "Your concern has been closed: " + OUTCOMES.get(concern.outcome or "", "closed")
    return f"Your concern has been reopened and is being looked at again. Next update by {when}"


def transition(
    session: Session,
    vault: Vault,
    concern: Concern,
    move: Move,
    *,
    actor_id: str,
    now: datetime,
    update_interval_days: int,
    details: MoveDetails | None = None,
) -> MoveResult:
    """Apply `move`, or raise IllegalMove. Concurrent moves are caught by the version column:
    the loser's commit fails with StaleDataError and nothing of it is kept."""
    details = details or MoveDetails()
    if concern.status not in ALLOWED_FROM[move]:
        raise IllegalMove(refusal(move, concern))

    if move is Move.ACKNOWLEDGE:
        concern.status = Status.ACKNOWLEDGED
        concern.acknowledged_at = now
        concern.owner_id = concern.owner_id or actor_id
        card_line = f"<@{actor_id}> acknowledged this concern."
    elif move is Move.UPDATE_STATUS:
        if details.stage is None:
            raise IllegalMove("Choose what stage the concern is at.")
        concern.status = Status.IN_PROGRESS
        concern.stage = details.stage
        card_line = f"<@{actor_id}> set the status to {STATUS_LABELS[details.stage].lower()}."
    elif move is Move.CLOSE:
        if details.outcome not in OUTCOMES:
            raise IllegalMove("Choose an outcome from the list.")
        concern.status = Status.CLOSED
        concern.stage = None
        concern.outcome = details.outcome
        concern.closed_at = now
        card_line = f"<@{actor_id}> closed this concern: {OUTCOMES[details.outcome].lower()}."
    else:
        concern.status = Status.IN_PROGRESS
        concern.stage = Stage.INVESTIGATING
        concern.closed_at = None
        concern.outcome = None
        card_line = f"<@{actor_id}> reopened this concern."
    concern.updated_at = now

    if details.findings:
        add_event(
            session,
            vault,
            concern,
            kind="findings",
            actor_role="guardian",
            actor_id=actor_id,
            summary="Findings recorded at closure",
            body=details.findings,
            now=now,
        )
    reachable = concern.reporter_enc is not None or concern.receipt_hash is not None
    if reachable:
        concern.last_reporter_update_at = now
    next_update = now + timedelta(days=update_interval_days)
    event_uid = add_event(
        session,
        vault,
        concern,
        kind=move.value,
        actor_role="guardian",
        actor_id=actor_id,
        summary=_reporter_summary(move, concern, next_update),
        body=details.reporter_message,
        now=now,
        visible_to_reporter=True,
    )
    audit.append(
        session,
        at=now,
        actor=actor_id,
        action=f"concern.{move.value}",
        concern_reference=concern.reference,
        detail={"status": concern.status, "stage": concern.stage, "outcome": concern.outcome},
    )
    session.flush()  # bumps the version; raises StaleDataError if someone else got there first
    sync_card(session, concern, now)
    note_on_card(session, concern, card_line, now, event_uid)
    told = notify_reporter(session, concern, event_uid, now)
    return MoveResult(concern.reference, concern.status, told)


def sync_card(session: Session, concern: Concern, now: datetime, reason: str = "") -> None:
    """Queue an in-place update of the concern's card to match its current state."""
    outbox.enqueue(
        session,
        kind="card",
        lane=f"card:{concern.id}",
        idempotency_key=f"card:{concern.id}:{concern.version}{reason}",
        concern_id=concern.id,
        now=now,
        priority=outbox.URGENT if concern.urgent else outbox.NORMAL,
    )
