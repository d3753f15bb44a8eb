"""The one place that queues Slack side effects: every flow and job calls these functions.

An effect is an outbox item written in the caller's transaction, so it happens if and only
if the change that caused it commits. Its kind names the renderer the delivery worker uses;
its lane orders it behind earlier effects on the same card or the same reporter; its key
makes a retry or a second sweep queue nothing new.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from storage import outbox


class EffectKind(StrEnum):
    CARD = "card"  # post the concern's card, or update it in place
    THREAD_NOTE = "thread_note"  # a content-free line in the card's thread
    REPORTER_DM = "reporter_dm"  # tell a reachable reporter about one timeline event
    DIGEST = "digest"  # a team's daily digest: references and facts, never free text
    ALARM = "alarm"  # tell people (DMs, ops channel) that a channel is not taking cards


# Kinds delivered to the concern's team channel: what a channel that refuses us holds up.
CHANNEL_KINDS = frozenset({EffectKind.CARD, EffectKind.THREAD_NOTE})


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


def queue_digest(
    session: Session,
    *,
    digest: str,
    period: str,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Post a team's digest for one period, once however often the period is run."""
    return outbox.enqueue(
        session,
        kind=EffectKind.DIGEST,
        lane=f"digest:{digest}",
        idempotency_key=f"digest:{digest}:{period}",
        payload={**payload, "channel": channel},
        now=now,
        once=True,
    )


def queue_alarm(
    session: Session, *, to: str, key: str, payload: dict[str, Any], now: datetime
) -> bool:
    """Tell `to` (a user, a user group's members, or a channel) about a delivery problem.
    Each recipient has its own lane, so nobody's alarm waits behind another's (or behind
    the channel that is refusing cards)."""
    full_key = f"alarm:{key}:{to}"
    if len(full_key) > 80:  # the column's width; a long channel id must not break an alarm
        full_key = "alarm:" + hashlib.sha256(full_key.encode()).hexdigest()[:40]
    return outbox.enqueue(
        session,
        kind=EffectKind.ALARM,
        lane=f"alarm:{to}",
        idempotency_key=full_key,
        payload={**payload, "to": to},
        now=now,
        priority=outbox.URGENT,
        once=True,
    )
