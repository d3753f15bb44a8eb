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
KEY_MAX = 64


def claim(session: Session, key: str, *, now: datetime) -> None:
    """Record `key` in the caller's transaction; IntegrityError if it was already recorded."""
    session.execute(delete(ProcessedEvent).where(ProcessedEvent.at < now - KEEP))
    session.add(ProcessedEvent(event_id=key[:KEY_MAX], at=now))
    session.flush()


def claim_view(
    session: Session, ring: KeyRing, view_id: str, *, now: datetime, purpose: str = "view"
) -> None:
    """Record a submitted view as handled, keyed by a keyed hash of its id (never the id
    itself, which Slack's records could tie to a person); IntegrityError if it already was."""
    claim(session, f"{purpose}:" + ring.blind_index("view:" + view_id)[:48], now=now)


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
