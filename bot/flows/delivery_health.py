"""Is every card reaching its team's channel? What waits in the outbox, channel by channel.

Read from the outbox's pending items (its `status` index) joined to their concerns, plain
columns only: the safeguarding digest lists what has not reached its channel, the delivery
alarm tells people when a channel has stopped taking cards, and `/readyz` says "stalled".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.policy import AlarmRules
from bot.domain.taxonomy import ConcernKind
from bot.flows.effects import CHANNEL_KINDS
from storage import outbox
from storage.models import Concern, OutboxItem

# Slack's answers that no retry will change until a person fixes something.
REFUSED_CHANNEL = frozenset({"channel_not_found", "is_archived", "not_in_channel"})
REFUSED_TOKEN = frozenset({"invalid_auth", "token_revoked", "account_inactive"})
PERMANENT = REFUSED_CHANNEL | REFUSED_TOKEN


@dataclass(frozen=True)
class WaitingItem:
    """One pending outbox item bound for a team channel."""

    concern_id: str
    reference: str
    channel: str
    kind: ConcernKind  # whose channel: the guardians' or the safeguarding team's
    created_at: datetime
    error: str | None  # Slack's error code from the last attempt, if any
    urgent: bool

    def stuck(self, rules: AlarmRules, now: datetime) -> bool:
        """Refused for good, or waiting longer than anyone should have to."""
        if self.error in PERMANENT:
            return True
        return now - self.created_at >= (rules.urgent_after if self.urgent else rules.other_after)


@dataclass(frozen=True)
class ChannelBacklog:
    """What is waiting to reach one channel."""

    channel: str
    kind: ConcernKind
    items: tuple[WaitingItem, ...]  # oldest first
    stuck_items: tuple[WaitingItem, ...]

    @property
    def stuck(self) -> bool:
        return bool(self.stuck_items)

    @property
    def since(self) -> datetime:
        return self.stuck_items[0].created_at if self.stuck_items else self.items[0].created_at

    @property
    def references(self) -> tuple[str, ...]:
        """The concerns held up, oldest first, each once."""
        return tuple(dict.fromkeys(item.reference for item in self.stuck_items or self.items))

    @property
    def error(self) -> str | None:
        """The most telling error: a refusal beats a slow answer; the latest wins."""
        errors = [item.error for item in self.stuck_items if item.error]
        refusals = [error for error in errors if error in PERMANENT]
        chosen = refusals or errors
        return chosen[-1] if chosen else None


def error_code(last_error: str | None) -> str | None:
    """Slack's error code from the worker's "<status> <error>" note (or an exception name)."""
    if not last_error:
        return None
    return last_error.split()[-1]


def waiting_items(session: Session, *, channel: str | None = None) -> list[WaitingItem]:
    """Every pending item bound for a team channel (cards and their thread lines), oldest
    first; only those for `channel` if given."""
    query = (
        select(
            OutboxItem.concern_id,
            OutboxItem.created_at,
            OutboxItem.last_error,
            OutboxItem.priority,
            Concern.reference,
            Concern.channel,
            Concern.kind,
        )
        .join(Concern, Concern.id == OutboxItem.concern_id)
        .where(OutboxItem.status == outbox.PENDING, OutboxItem.kind.in_(sorted(CHANNEL_KINDS)))
        .order_by(OutboxItem.created_at, OutboxItem.id)
    )
    if channel is not None:
        query = query.where(Concern.channel == channel)
    return [
        WaitingItem(
            concern_id=str(row.concern_id),
            reference=row.reference,
            channel=row.channel,
            kind=ConcernKind(row.kind),
            created_at=row.created_at,
            error=error_code(row.last_error),
            urgent=row.priority >= outbox.URGENT,
        )
        for row in session.execute(query)
    ]


def backlogs(session: Session, rules: AlarmRules, now: datetime) -> list[ChannelBacklog]:
    """What waits for each channel that has anything waiting."""
    by_channel: dict[str, list[WaitingItem]] = {}
    for item in waiting_items(session):
        by_channel.setdefault(item.channel, []).append(item)
    return [
        ChannelBacklog(
            channel=channel,
            kind=items[0].kind,
            items=tuple(items),
            stuck_items=tuple(item for item in items if item.stuck(rules, now)),
        )
        for channel, items in by_channel.items()
    ]


def oldest_stuck(session: Session, rules: AlarmRules, now: datetime) -> datetime | None:
    """When the oldest item that is stuck was queued; None while delivery is keeping up."""
    stuck = [b.since for b in backlogs(session, rules, now) if b.stuck]
    return min(stuck) if stuck else None
