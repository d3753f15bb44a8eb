"""Handling a Slack delivery once: Events API retries and a form sent twice.

Keys are Slack's event ids or keyed hashes of view ids: never a user id. Rows older than a
day are pruned as new ones arrive (Slack's last retry comes about five minutes after the
first delivery).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.crypto import KeyRing
from storage.db import Database
from storage.models import ProcessedEvent

KEEP = timedelta(days=1)
# A no-contact submission is remembered no longer than a replay of it could arrive (Slack
# refuses signatures older than five minutes), so nothing lasting ties it to the person.
REPLAY_WINDOW = timedelta(minutes=10)
NO_CONTACT_PREFIX = "nc:"
KEY_MAX = 64


def prune(session: Session, *, now: datetime) -> int:
    """Forget deliveries older than a day, and no-contact submissions past the replay window."""
    old = session.execute(delete(ProcessedEvent).where(ProcessedEvent.at < now - KEEP))
    replayable = session.execute(
        delete(ProcessedEvent).where(
            ProcessedEvent.event_id.startswith(NO_CONTACT_PREFIX),
            ProcessedEvent.at < now - REPLAY_WINDOW,
        )
    )
    return int(getattr(old, "rowcount", 0) or 0) + int(getattr(replayable, "rowcount", 0) or 0)


def claim(session: Session, key: str, *, now: datetime) -> None:
    """Record `key` in the caller's transaction; IntegrityError if it was already recorded."""
    prune(session, now=now)
    session.add(ProcessedEvent(event_id=key[:KEY_MAX], at=now))
    session.flush()


def claim_view(
    session: Session, ring: KeyRing, view_id: str, *, now: datetime, purpose: str = "view"
) -> None:
    """Record a submitted view as handled, keyed by a keyed hash of its id (never the id
    itself, which Slack's records could tie to a person); IntegrityError if it already was."""
    claim(session, f"{purpose}:" + ring.blind_index("view:" + view_id)[:48], now=now)


def no_contact_submission_key(ring: KeyRing, view_id: str) -> str:
    return NO_CONTACT_PREFIX + ring.blind_index("submission:" + view_id)[:48]


def seen_no_contact_submission(session: Session, ring: KeyRing, view_id: str) -> bool:
    """Whether this view was already accepted as a no-contact concern (within the window)."""
    keys = [
        NO_CONTACT_PREFIX + k[:48] for k in ring.blind_index_candidates("submission:" + view_id)
    ]
    return session.get(ProcessedEvent, keys[0]) is not None or any(
        session.get(ProcessedEvent, key) is not None for key in keys[1:]
    )


def first_time(db: Database, key: str, *, now: datetime) -> bool:
    """Whether this is the first delivery of `key` (and record it)."""
    try:
        with db.transaction() as session:
            claim(session, key, now=now)
    except IntegrityError:
        return False
    return True


def forget(db: Database, key: str) -> None:
    """Let a later retry of `key` through (its handling failed)."""
    with db.transaction() as session:
        session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id == key[:KEY_MAX]))
