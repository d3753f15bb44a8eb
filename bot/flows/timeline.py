"""A concern's timeline: adding events (free text sealed) and reading them back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.flows import effects
from storage.models import Concern, ConcernEvent
from storage.rows import add_row
from storage.vault import Vault


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    actor_role: str
    actor_id: str | None
    summary: str
    body: str | None
    visible_to_reporter: bool


def add_event(
    session: Session,
    vault: Vault | None,
    concern: Concern,
    *,
    kind: str,
    actor_role: str,
    summary: str,
    now: datetime,
    actor_id: str | None = None,
    body: str | None = None,
    visible_to_reporter: bool = False,
) -> str:
    """Append an event and return its uid; `summary` is content-free, `body` (free text) is
    sealed."""
    if body and vault is None:
        raise ValueError("an event with free text needs the vault to seal it")
    uid = str(uuid.uuid4())
    sealed = (
        vault.seal_text(
            vault.concern_key(concern), body, table="concern_events", row_id=uid, field="body"
        )
        if body and vault is not None
        else None
    )
    return add_event_row(
        session,
        concern.id,
        kind=kind,
        actor_role=actor_role,
        summary=summary,
        now=now,
        actor_id=actor_id,
        visible_to_reporter=visible_to_reporter,
        uid=uid,
        body_enc=sealed,
    )


def add_event_row(
    session: Session,
    concern_id: str,
    *,
    kind: str,
    actor_role: str,
    summary: str,
    now: datetime,
    actor_id: str | None = None,
    visible_to_reporter: bool = False,
    uid: str | None = None,
    body_enc: bytes | None = None,
) -> str:
    """Append an event to a concern known by its id and return the event's uid. Free text
    comes already sealed (`add_event` seals it), bound to the `uid` given with it."""
    uid = uid or str(uuid.uuid4())
    add_row(
        session,
        ConcernEvent,
        {
            "uid": uid,
            "concern_id": concern_id,
            "at": now,
            "kind": kind,
            "actor_role": actor_role,
            "actor_id": actor_id,
            "summary": summary[:200],
            "visible_to_reporter": visible_to_reporter,
            "body_enc": body_enc,
        },
    )
    return uid


def notify_reporter(session: Session, concern: Concern, event_uid: str, now: datetime) -> bool:
    """Queue a DM about the event if the reporter can be reached; no-contact reporters read it
    on their receipt page instead. Returns whether a DM was queued."""
    if concern.reporter_enc is None:
        return False
    queue_reporter_dm(session, concern.id, event_uid, urgent=concern.urgent, now=now)
    return True


def queue_reporter_dm(
    session: Session, concern_id: str, event_uid: str, *, urgent: bool, now: datetime
) -> None:
    """Queue the DM telling a reachable reporter about one event of their concern."""
    effects.queue_reporter_dm(
        session, concern_id=concern_id, event_uid=event_uid, urgent=urgent, now=now
    )


def read_timeline(
    session: Session, vault: Vault, concern: Concern, *, reporter_view: bool
) -> list[TimelineEntry]:
    """Events oldest first, bodies decrypted; a reporter sees only what is meant for them."""
    query = select(ConcernEvent).where(ConcernEvent.concern_id == concern.id)
    if reporter_view:
        query = query.where(ConcernEvent.visible_to_reporter.is_(True))
    events = session.scalars(query.order_by(ConcernEvent.id)).all()
    data_key = vault.concern_key(concern) if any(e.body_enc for e in events) else b""
    return [
        TimelineEntry(
            at=event.at,
            kind=event.kind,
            actor_role=event.actor_role,
            actor_id=None if reporter_view else event.actor_id,
            summary=event.summary,
            body=(
                vault.open_text(
                    data_key, event.body_enc, table="concern_events", row_id=event.uid, field="body"
                )
                if event.body_enc
                else None
            ),
            visible_to_reporter=event.visible_to_reporter,
        )
        for event in events
    ]
