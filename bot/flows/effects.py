"""The one place that queues Slack side effects: every flow and job calls these functions.

An effect is an outbox item written in the caller's transaction, so it happens if and only
if the change that caused it commits. Its kind names the renderer the delivery worker uses;
its lane orders it behind earlier effects on the same card or the same reporter; its key
makes a retry or a second sweep queue nothing new.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from storage import outbox, outbox_many


class EffectKind(StrEnum):
    CARD = "card"  # post the concern's card, or update it in place
    THREAD_NOTE = "thread_note"  # a content-free line in the card's thread
    REPORTER_DM = "reporter_dm"  # tell a reachable reporter about one timeline event
    DIGEST = "digest"  # a team's daily digest: references and facts, never free text
    ALARM = "alarm"  # tell people (DMs, ops channel) that a channel is not taking cards
    LEADERS_DIGEST = "leaders_digest"  # the weekly aggregate digest, in the leaders' channel
    CHANNEL_FILE = "channel_file"  # a file (chart, CSV) uploaded into a channel
    # The escalation ladder (bot.domain.escalation): content-free, each rung once.
    ESCALATION_REMINDER = "escalation_reminder"  # a reply in the card's thread, with a mention
    ESCALATION_OVERDUE = "escalation_overdue"  # a new message in the team's channel
    ESCALATION_DM = "escalation_dm"  # a direct message to each lead (a group's members each)
    # After closure (bot.flows.aftercare, bot.flows.learning_summary).
    DETRIMENT_ALERT = "detriment_alert"  # DM the owner and leads: a reporter indicated detriment
    LEARNING_POST = "learning_post"  # an approved "you said, we did" summary, in its channel


# Kinds delivered to the concern's team channel: what a channel that refuses us holds up.
CHANNEL_KINDS = frozenset({EffectKind.CARD, EffectKind.THREAD_NOTE})


def card_lane(concern_id: str) -> str:
    """Everything shown on or under a concern's card, in order."""
    return f"card:{concern_id}"


def reporter_lane(concern_id: str) -> str:
    """Everything sent to a concern's reporter, in order."""
    return f"reporter:{concern_id}"


def escalation_lane(concern_id: str) -> str:
    """A concern's escalation messages, in the order of the ladder's rungs."""
    return f"escalation:{concern_id}"


def _priority(urgent: bool) -> int:
    return outbox.URGENT if urgent else outbox.NORMAL


def _card_key(concern_id: str, key: str) -> str:
    return f"card:{concern_id}:{key}"


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
        idempotency_key=_card_key(concern_id, key),
        concern_id=concern_id,
        now=now,
        priority=_priority(urgent),
        once=once,
    )


@dataclass(frozen=True)
class CardRefresh:
    concern_id: str
    key: str
    urgent: bool


def queue_card_refreshes_once(
    session: Session, refreshes: Sequence[CardRefresh], *, now: datetime
) -> list[CardRefresh]:
    """queue_card(once=True) for many cards in one statement (a sweep flags hundreds);
    returns those that were queued, in the order given."""
    keys = {_card_key(r.concern_id, r.key): r for r in refreshes}
    items = [
        outbox_many.NewItem(
            kind=EffectKind.CARD,
            lane=card_lane(refresh.concern_id),
            idempotency_key=key,
            concern_id=refresh.concern_id,
            priority=_priority(refresh.urgent),
        )
        for key, refresh in keys.items()
    ]
    added = outbox_many.enqueue_many_once(session, items, now=now)
    return [refresh for key, refresh in keys.items() if key in added]


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


class FileRender(StrEnum):
    """How the delivery worker makes a channel file's bytes from its payload."""

    LEADERS_CHART = "leaders_chart"  # a PNG drawn from the digest's printed figures
    TEXT = "text"  # the payload's text, as UTF-8 (a CSV)


def report_lane(name: str) -> str:
    """A report and the files that go with it, in order."""
    return f"report:{name}"


def queue_leaders_digest(
    session: Session, *, channel: str, week: str, digest: dict[str, Any], now: datetime
) -> bool:
    """Post the leaders' digest for `week` and then its chart, once each. `digest` holds
    printed (suppressed) figures only; returns whether anything was queued."""
    lane = report_lane(f"leaders:{week}")
    queued = outbox.enqueue(
        session,
        kind=EffectKind.LEADERS_DIGEST,
        lane=lane,
        idempotency_key=f"leaders_digest:{week}",
        payload={"channel": channel, "digest": digest},
        now=now,
        once=True,
    )
    if queued:
        queue_channel_file(
            session,
            key=f"leaders_chart:{week}",
            lane=lane,
            channel=channel,
            filename=f"leaders-digest-{week}.png",
            title=f"Speak up: the 13 weeks to {week}, and open cases by age",
            render=FileRender.LEADERS_CHART,
            source=digest,
            now=now,
        )
    return queued


def queue_channel_file(
    session: Session,
    *,
    key: str,
    channel: str,
    filename: str,
    title: str,
    render: FileRender,
    source: dict[str, Any] | str,
    now: datetime,
    lane: str | None = None,
) -> bool:
    """Upload a file into a channel once (files upload v2). `filename` must be unique to
    this item: the worker finds an earlier attempt's upload by it."""
    return outbox.enqueue(
        session,
        kind=EffectKind.CHANNEL_FILE,
        lane=lane or report_lane(key),
        idempotency_key=f"file:{key}",
        payload={
            "channel": channel,
            "filename": filename,
            "title": title,
            "render": render.value,
            "source": source,
        },
        now=now,
        once=True,
    )


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


def queue_detriment_alert(
    session: Session, *, concern_id: str, recipients: tuple[str, ...], now: datetime
) -> bool:
    """Tell each of `recipients` (users, or user groups whose members each get one) by DM that
    the concern's reporter indicated detriment after closure: the reference, nothing more.
    Once per concern: a reporter answers the check-in once."""
    return outbox.enqueue(
        session,
        kind=EffectKind.DETRIMENT_ALERT,
        lane=f"aftercare:{concern_id}",
        idempotency_key=f"detriment_alert:{concern_id}",
        concern_id=concern_id,
        payload={"recipients": list(recipients)},
        now=now,
        priority=outbox.URGENT,
        once=True,
    )


def queue_learning_post(
    session: Session, *, summary_id: str, channel: str, month: str, now: datetime
) -> bool:
    """Post an approved learning summary in `channel`, once. The payload names the sealed
    summary (opened only to post it) and the month, never the concern."""
    return outbox.enqueue(
        session,
        kind=EffectKind.LEARNING_POST,
        lane="learning",
        idempotency_key=f"learning:{summary_id}",
        payload={"summary_id": summary_id, "channel": channel, "month": month},
        now=now,
        once=True,
    )
