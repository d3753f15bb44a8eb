"""Delivery alarms: a card that cannot reach its channel is people's business, not a log line.

When a team channel refuses cards (deleted, archived, the app removed, the token revoked) or
cards wait longer than they should, every member of the team and its leads get a DM, and the
ops channel a post; again at most once an hour while it lasts; and an all-clear once the
backlog has drained. The state of each episode is one row per channel (DeliveryAlarm).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.policy import Policy
from bot.domain.routing import Router
from bot.domain.taxonomy import ConcernKind
from bot.flows import effects
from bot.flows.context import AppContext
from bot.flows.delivery_health import REFUSED_CHANNEL, ChannelBacklog, backlogs
from storage.models import DeliveryAlarm, OutboxItem

log = structlog.stdlib.get_logger(__name__)


class AlarmState(StrEnum):
    RAISED = "raised"  # first news of a stuck channel
    STILL = "still"  # an hourly reminder while it lasts
    CLEAR = "clear"  # the backlog has drained


@dataclass(frozen=True)
class AlarmCheck:
    raised: int = 0
    repeated: int = 0
    cleared: int = 0

    def note(self) -> str:
        return f"{self.raised} raised, {self.repeated} repeated, {self.cleared} cleared"


def recipients(policy: Policy, team: ConcernKind) -> list[str]:
    """The team and its leads (user ids or user-group ids), each once, in configured order."""
    if team is ConcernKind.SAFEGUARDING:
        entries = [*policy.safeguarding_team, *policy.safeguarding_leads]
    else:
        entries = [*policy.guardians, *policy.guardian_leads]
    return list(dict.fromkeys(entries))


def _tell(
    session: Session,
    policy: Policy,
    alarm: DeliveryAlarm,
    state: AlarmState,
    *,
    references: tuple[str, ...],
    now: datetime,
) -> None:
    """Queue the news for the team, its leads and the ops channel."""
    team = ConcernKind(alarm.team)
    people = recipients(policy, team)
    payload = {
        "state": state.value,
        "channel": alarm.channel,
        "team": alarm.team,
        "concerns": alarm.concerns,
        "since": alarm.since.isoformat(),
        "error": alarm.error,
        # A person listed directly is not told twice when a group they are in is expanded.
        "direct": [entry for entry in people if not entry.startswith("S")],
    }
    key = f"{alarm.channel}:{int(alarm.since.timestamp())}:{state}:{int(now.timestamp())}"
    targets = people + ([policy.ops_channel] if policy.ops_channel else [])
    for target in targets:
        effects.queue_alarm(session, to=target, key=key, payload=payload, now=now)
    log_event = log.info if state == AlarmState.CLEAR else log.error
    log_event(
        "delivery.alarm",
        state=state.value,
        channel=alarm.channel,
        team=alarm.team,
        concerns=alarm.concerns,
        error=alarm.error,
        references=list(references),
        recipients=len(targets),
    )


def check_delivery(session: Session, policy: Policy, now: datetime) -> AlarmCheck:
    """Raise, repeat or clear the alarm of every channel, from what waits in the outbox."""
    waiting = {b.channel: b for b in backlogs(session, policy.alarms, now)}
    active = {
        alarm.channel: alarm
        for alarm in session.scalars(
            select(DeliveryAlarm).where(DeliveryAlarm.cleared_at.is_(None))
        )
    }
    raised = repeated = cleared = 0
    for channel, backlog in waiting.items():
        if not backlog.stuck:
            continue
        alarm = active.get(channel)
        if alarm is None:
            alarm = _start(session, backlog, now)
            _tell(session, policy, alarm, AlarmState.RAISED, references=backlog.references, now=now)
            raised += 1
        elif now - alarm.notified_at >= policy.alarms.repeat_every:
            alarm.notified_at = now
            alarm.concerns = len(backlog.references)
            alarm.error = backlog.error
            _tell(session, policy, alarm, AlarmState.STILL, references=backlog.references, now=now)
            repeated += 1
    for channel, alarm in active.items():
        if channel in waiting:
            continue  # still working through its backlog: no all-clear yet
        if _from_slack_news(alarm) and not _delivered_since(session, channel, alarm.since):
            continue  # nothing waits, but nothing has shown the channel works again either
        alarm.cleared_at = now
        _tell(session, policy, alarm, AlarmState.CLEAR, references=(), now=now)
        cleared += 1
    return AlarmCheck(raised, repeated, cleared)


def _from_slack_news(alarm: DeliveryAlarm) -> bool:
    """Raised by Slack's news of the channel (no card waiting yet), not by a backlog."""
    return alarm.concerns == 0 and alarm.error in REFUSED_CHANNEL


def _delivered_since(session: Session, channel: str, since: datetime) -> bool:
    """Has a card or thread note reached the channel since then (so it takes cards again)?"""
    return (
        session.scalar(
            select(OutboxItem.id)
            .where(
                OutboxItem.result_channel == channel,
                OutboxItem.kind.in_(list(effects.CHANNEL_KINDS)),
                OutboxItem.delivered_at >= since,
            )
            .limit(1)
        )
        is not None
    )


def channel_lost(
    session: Session, policy: Policy, router: Router, channel: str, error: str, now: datetime
) -> bool:
    """Slack says a team channel was archived or deleted, or the app removed from it: the
    next card would fail, so people hear now rather than when a concern is stuck. `error` is
    the code Slack will answer posts with (REFUSED_CHANNEL). Returns whether an alarm went."""
    team = router.teams().get(channel)
    if team is None or error not in REFUSED_CHANNEL:
        return False
    alarm = session.get(DeliveryAlarm, channel)
    if alarm is not None and alarm.cleared_at is None:
        return False  # already people's business (a backlog, or an earlier event)
    if alarm is None:
        alarm = DeliveryAlarm(channel=channel)
        session.add(alarm)
    alarm.team = team.value
    alarm.since = now
    alarm.notified_at = now
    alarm.cleared_at = None
    alarm.concerns = 0
    alarm.error = error
    session.flush()
    _tell(session, policy, alarm, AlarmState.RAISED, references=(), now=now)
    return True


def channel_back(session: Session, policy: Policy, channel: str, now: datetime) -> bool:
    """Slack says the channel is usable again (unarchived, the app invited back): an alarm
    raised by its loss is cleared; one with cards still waiting clears once they are delivered.
    Returns whether the all-clear went."""
    alarm = session.get(DeliveryAlarm, channel)
    if alarm is None or alarm.cleared_at is not None or not _from_slack_news(alarm):
        return False
    alarm.cleared_at = now
    _tell(session, policy, alarm, AlarmState.CLEAR, references=(), now=now)
    return True


def _start(session: Session, backlog: ChannelBacklog, now: datetime) -> DeliveryAlarm:
    """A new episode for the channel (reusing its row from an earlier one)."""
    alarm = session.get(DeliveryAlarm, backlog.channel)
    if alarm is None:
        alarm = DeliveryAlarm(channel=backlog.channel)
        session.add(alarm)
    alarm.team = backlog.kind.value
    alarm.since = backlog.since
    alarm.notified_at = now
    alarm.cleared_at = None
    alarm.concerns = len(backlog.references)
    alarm.error = backlog.error
    session.flush()
    return alarm


def on_channel_lost(context: AppContext, channel: str, error: str) -> None:
    """channel_lost in its own transaction, the alarm sent at once."""
    with context.db.transaction() as session:
        raised = channel_lost(
            session, context.policy, context.router, channel, error, context.now()
        )
    if raised:
        context.wake_outbox()


def on_channel_back(context: AppContext, channel: str) -> None:
    """channel_back in its own transaction, the all-clear sent at once."""
    with context.db.transaction() as session:
        cleared = channel_back(session, context.policy, channel, context.now())
    if cleared:
        context.wake_outbox()
