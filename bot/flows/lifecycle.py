"""Every change to a concern's status goes through `transition`: one place that applies the
allowed moves (bot.domain.moves), sets timestamps, writes the timeline and audit, and queues
the card update, the thread line and the reporter's update — all in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.moves import (
    REPORTER,
    IllegalMove,
    Move,
    MoveDetails,
    card_line,
    check_move,
    reporter_summary,
)
from bot.domain.safeguarding import ReferralFacts, close_refusal
from bot.domain.taxonomy import ConcernKind, Stage, Status
from bot.flows import effects
from bot.flows.conversation import audit_concern, note_on_card
from bot.flows.due_times import deadlines_changed
from bot.flows.timeline import add_event, notify_reporter
from storage.models import Concern
from storage.vault import Vault


@dataclass(frozen=True)
class MoveResult:
    reference: str
    status: str
    reporter_told: bool


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
    the loser's commit fails with StaleDataError and nothing of it is kept. `actor_id` is a
    team member's user id, or REPORTER for a reporter's own reopening (whose id is never
    written down in clear)."""
    details = details or MoveDetails()
    actor_role = "reporter" if actor_id == REPORTER else "guardian"
    if concern.destroyed_at is not None:
        raise IllegalMove(
            f"{concern.reference}'s details were destroyed at the end of its retention period; "
            "it can no longer be changed."
        )
    check_move(move, concern.reference, concern.status, details)
    # Nothing safeguarding closes without a referral decision (SPEC §2).
    if (
        move is Move.CLOSE
        and concern.kind == ConcernKind.SAFEGUARDING
        and (problem := close_refusal(concern.reference, ReferralFacts.of(concern)))
    ):
        raise IllegalMove(problem)

    if move is Move.ACKNOWLEDGE:
        concern.status = Status.ACKNOWLEDGED
        concern.acknowledged_at = now
        concern.owner_id = concern.owner_id or actor_id
    elif move is Move.UPDATE_STATUS:
        concern.status = Status.IN_PROGRESS
        concern.stage = details.stage
    elif move is Move.CLOSE:
        concern.status = Status.CLOSED
        concern.stage = None
        concern.outcome = details.outcome
        concern.closed_at = now
    else:
        concern.status = Status.IN_PROGRESS
        concern.stage = Stage.INVESTIGATING
        concern.closed_at = None
        concern.outcome = None
    concern.updated_at = now
    deadlines_changed(concern, now)

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
        actor_role=actor_role,
        actor_id=None if actor_id == REPORTER else actor_id,
        summary=reporter_summary(
            move,
            kind=concern.kind,
            shown_status=concern.stage or concern.status,
            outcome=concern.outcome,
            next_update=next_update,
        ),
        body=details.reporter_message,
        now=now,
        visible_to_reporter=True,
    )
    audit_concern(
        session,
        concern,
        f"concern.{move.value}",
        actor=actor_id,
        now=now,
        detail={"status": concern.status, "stage": concern.stage, "outcome": concern.outcome},
    )
    session.flush()  # bumps the version; raises StaleDataError if someone else got there first
    sync_card(session, concern, now)
    note_on_card(session, concern, card_line(move, actor_id, details), now, event_uid)
    told = notify_reporter(session, concern, event_uid, now)
    return MoveResult(concern.reference, concern.status, told)


def sync_card(session: Session, concern: Concern, now: datetime, reason: str = "") -> None:
    """Queue an in-place update of the concern's card to match its current state."""
    effects.queue_card(
        session,
        concern_id=concern.id,
        key=f"{concern.version}{reason}",
        urgent=concern.urgent,
        now=now,
    )
