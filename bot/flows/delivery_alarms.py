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
from bot.domain.taxonomy import ConcernKind
from bot.flows import effects
from bot.flows.delivery_health import ChannelBacklog, backlogs
from storage.models import DeliveryAlarm

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
        alarm.cleared_at = now
        _tell(session, policy, alarm, AlarmState.CLEAR, references=(), now=now)
        cleared += 1
    return AlarmCheck(raised, repeated, cleared)


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
