"""A concern's timeline: adding events (free text sealed) and reading them back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

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


class EventFields(TypedDict):
    """What an event says; `summary` is content-free, `body` (free text) is sealed."""

    kind: str
    actor_role: str
    summary: str
    now: datetime
    actor_id: NotRequired[str | None]
    body: NotRequired[str | None]
    visible_to_reporter: NotRequired[bool]


def add_event(
    session: Session, vault: Vault, concern: Concern, **fields: Unpack[EventFields]
) -> str:
    """Append an event and return its uid; its facts are tagged with the concern's data key."""
    return add_event_row(
        session, event_row(vault, vault.concern_key(concern), concern.id, **fields)
    )


def event_row(
    vault: Vault,
    data_key: bytes,
    concern_id: str,
    *,
    kind: str,
    actor_role: str,
    summary: str,
    now: datetime,
    actor_id: str | None = None,
    body: str | None = None,
    visible_to_reporter: bool = False,
) -> dict[str, Any]:
    """An event row ready to insert: free text sealed, facts tagged (storage.vault). Needs no
    database, so raising builds its first event before taking the writer."""
    uid = str(uuid.uuid4())
    row: dict[str, Any] = {
        "uid": uid,
        "concern_id": concern_id,
        "at": now,
        "kind": kind,
        "actor_role": actor_role,
        "actor_id": actor_id,
        "summary": summary[:200],
        "visible_to_reporter": visible_to_reporter,
        "body_enc": vault.seal_text(
            data_key, body, table="concern_events", row_id=uid, field="body"
        )
        if body
        else None,
    }
    row["facts_tag"] = vault.event_tag(data_key, row)
    return row


def add_event_row(session: Session, row: dict[str, Any]) -> str:
    """Insert an event built by `event_row` and return its uid."""
    add_row(session, ConcernEvent, row)
    return str(row["uid"])


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
    """Events oldest first, bodies decrypted; a reporter sees only what is meant for them.
    Raises IntegrityCheckFailed if the concern's or any event's sealed facts were changed."""
    query = select(ConcernEvent).where(ConcernEvent.concern_id == concern.id)
    if reporter_view:
        query = query.where(ConcernEvent.visible_to_reporter.is_(True))
    events = session.scalars(query.order_by(ConcernEvent.id)).all()
    # Bodies of a destroyed concern were wiped with its data key; the content-free summaries
    # remain.
    data_key = None if concern.destroyed_at is not None else vault.concern_key(concern)
    return [
        TimelineEntry(
            at=event.at,
            kind=event.kind,
            actor_role=event.actor_role,
            actor_id=None if reporter_view else event.actor_id,
            summary=event.summary,
            body=None if data_key is None else vault.event_body(data_key, concern, event),
            visible_to_reporter=event.visible_to_reporter,
        )
        for event in events
    ]


def reporter_message_content(
    vault: Vault, concern: Concern, event: ConcernEvent
) -> tuple[str, str | None]:
    """Who to DM about an event and its free text, unsealed only to send it. Refuses an
    event not meant for the reporter (ValueError) or whose facts were changed
    (IntegrityCheckFailed)."""
    data_key = vault.concern_key(concern)
    body = vault.event_body(data_key, concern, event)
    if concern.reporter_enc is None:
        raise ValueError("reporter cannot be reached (no contact)")
    if event.concern_id != concern.id or not event.visible_to_reporter:
        raise ValueError("that event is not meant for the reporter")
    user_id = vault.open_json(
        data_key, concern.reporter_enc, table="concerns", row_id=concern.id, field="reporter"
    )["user_id"]
    return str(user_id), body


def add_team_event(
    session: Session,
    vault: Vault,
    concern: Concern,
    kind: str,
    summary: str,
    actor_id: str,
    now: datetime,
) -> str:
    """A content-free timeline event for the team (the reporter is told by status moves)."""
    return add_event(
        session,
        vault,
        concern,
        kind=kind,
        actor_role="guardian",
        actor_id=actor_id,
        summary=summary,
        now=now,
    )
