"""The allowed status moves (SPEC §2) and what each says: plain values in, plain values out.

`bot.flows.lifecycle.transition` is the one place a move is applied; it asks these rules
first, so the table below is the whole story of which move is allowed from where.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.taxonomy import OUTCOMES, STATUS_LABELS, ConcernKind, Stage, Status


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


@dataclass(frozen=True)
class MoveDetails:
    stage: Stage | None = None
    outcome: str | None = None
    findings: str | None = None  # internal: what was found and what changed
    reporter_message: str | None = None  # shared with the reporter, optional


def refusal(move: Move, reference: str, status: str) -> str:
    """Why `move` is not allowed from `status`, in words for the person who tried it."""
    if status == Status.CLOSED and move is not Move.REOPEN:
        return f"{reference} is closed. Reopen it first if there is more to do."
    if move is Move.ACKNOWLEDGE:
        return f"{reference} has already been acknowledged."
    if move is Move.REOPEN:
        return f"{reference} is still open, so there is nothing to reopen."
    if status == Status.RECEIVED:
        return f"{reference} has not been acknowledged yet. Acknowledge it first."
    return f"{reference} cannot be changed that way right now."


def check_move(move: Move, reference: str, status: str, details: MoveDetails) -> None:
    """Raise IllegalMove unless `move` may be made from `status` with these details."""
    if status not in ALLOWED_FROM[move]:
        raise IllegalMove(refusal(move, reference, status))
    if move is Move.UPDATE_STATUS and details.stage is None:
        raise IllegalMove("Choose what stage the concern is at.")
    if move is Move.CLOSE and details.outcome not in OUTCOMES:
        raise IllegalMove("Choose an outcome from the list.")


REPORTER = "reporter"  # the actor of a move the reporter made (never their user id)


def card_line(move: Move, actor_id: str, details: MoveDetails) -> str:
    """The content-free line the card's thread gets: who made which move."""
    if actor_id == REPORTER:
        return "The reporter asked to reopen this concern after the after-closure check-in."
    if move is Move.ACKNOWLEDGE:
        return f"<@{actor_id}> acknowledged this concern."
    if move is Move.UPDATE_STATUS and details.stage is not None:
        return f"<@{actor_id}> set the status to {STATUS_LABELS[details.stage].lower()}."
    if move is Move.CLOSE:
        outcome = OUTCOMES.get(details.outcome or "", "closed").lower()
        return f"<@{actor_id}> closed this concern: {outcome}."
    return f"<@{actor_id}> reopened this concern."


def reporter_summary(
    move: Move, *, kind: str, shown_status: str, outcome: str | None, next_update: datetime
) -> str:
    """What the reporter is told the move means, and when they will hear next."""
    when = next_update.strftime("%d %B %Y")
    if move is Move.ACKNOWLEDGE:
        who = "The safeguarding team" if kind == ConcernKind.SAFEGUARDING else "A guardian"
        return f"{who} has acknowledged your concern and will look into it. Next update by {when}"
    if move is Move.UPDATE_STATUS:
        label = STATUS_LABELS[shown_status].lower()
        return f"Your concern is now: {label}. Next update by {when}"
    if move is Move.CLOSE:
        return "Your concern has been closed: " + OUTCOMES.get(outcome or "", "closed")
    return f"Your concern has been reopened and is being looked at again. Next update by {when}"
