"""The one place that queues Slack side effects: every flow and job calls these functions.

An effect is an outbox item written in the caller's transaction, so it happens if and only
if the change that caused it commits. Its kind names the renderer the delivery worker uses;
its lane orders it behind earlier effects on the same card or the same reporter; its key
makes a retry or a second sweep queue nothing new.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from storage import outbox


class EffectKind(StrEnum):
    CARD = "card"  # post the concern's card, or update it in place
    THREAD_NOTE = "thread_note"  # a content-free line in the card's thread
    REPORTER_DM = "reporter_dm"  # tell a reachable reporter about one timeline event
    # The escalation ladder (bot.domain.escalation): content-free, each rung once.
    ESCALATION_REMINDER = "escalation_reminder"  # a reply in the card's thread, with a mention
    ESCALATION_OVERDUE = "escalation_overdue"  # a new message in the team's channel
    ESCALATION_DM = "escalation_dm"  # a direct message to each lead (a group's members each)


def card_lane(concern_id: str) -> str:
    """Everything shown on or under a concern's card, in order."""
    return f"card:{concern_id}"


def reporter_lane(concern_id: str) -> str:
    """Everything sent to a concern's reporter, in order."""
    return f"reporter:{concern_id}"


def _priority(urgent: bool) -> int:
    return outbox.URGENT if urgent else outbox.NORMAL


def queue_card(
    session: Session,
    *,
    concern_id: str,
    key: str,
    urgent: bool,
    now: datetime,
    once: bool = False,
) -> bool:
    """Post or refresh the concern's card. `key` distinguishes one refresh from another
    (the concern's version, or an overdue deadline); returns whether anything was queued."""
    return outbox.enqueue(
        session,
        kind=EffectKind.CARD,
        lane=card_lane(concern_id),
        idempotency_key=f"card:{concern_id}:{key}",
        concern_id=concern_id,
        now=now,
        priority=_priority(urgent),
        once=once,
    )


def queue_thread_note(
    session: Session,
    *,
    concern_id: str,
    key: str,
    text: str,
    now: datetime,
    once: bool = False,
) -> bool:
    """A line in the card's thread: who did what, never what anyone wrote."""
    payload: dict[str, Any] = {"text": text}
    return outbox.enqueue(
        session,
        kind=EffectKind.THREAD_NOTE,
        lane=card_lane(concern_id),
        idempotency_key=f"note:{key}",
        concern_id=concern_id,
        payload=payload,
        now=now,
        once=once,
    )


def queue_reporter_dm(
    session: Session, *, concern_id: str, event_uid: str, urgent: bool, now: datetime
) -> bool:
    """Tell a reachable reporter about one event of their concern."""
    return outbox.enqueue(
        session,
        kind=EffectKind.REPORTER_DM,
        lane=reporter_lane(concern_id),
        idempotency_key=f"dm:{event_uid}",
        concern_id=concern_id,
        payload={"event_uid": event_uid},
        now=now,
        priority=_priority(urgent),
    )


def escalation_lane(concern_id: str) -> str:
    """A concern's escalation messages, in the order of the ladder's rungs."""
    return f"escalation:{concern_id}"


def queue_escalation(
    session: Session,
    *,
    concern_id: str,
    kind: EffectKind,
    key: str,
    deadline: str,
    what: str,
    due_at: datetime,
    rung: int,
    urgent: bool,
    now: datetime,
    recipients: tuple[str, ...] = (),
) -> bool:
    """Queue one rung of a deadline's ladder, unless it was ever queued (its key names the
    concern, the deadline, its due time and the rung). The payload holds facts only: which
    deadline, when it was due, which rung, and who is to be told by DM. Returns whether it
    was queued now."""
    payload: dict[str, Any] = {
        "deadline": deadline,
        "what": what,
        "due_at": due_at.isoformat(),
        "rung": rung,
    }
    if recipients:
        payload["recipients"] = list(recipients)
    return outbox.enqueue(
        session,
        kind=kind,
        lane=escalation_lane(concern_id),
        idempotency_key=key,
        concern_id=concern_id,
        payload=payload,
        now=now,
        priority=_priority(urgent),
        once=True,
    )
