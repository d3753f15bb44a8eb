"""A team member's step on a concern, put on the record everywhere it belongs: a content-free
timeline event, the audit log, the card, and a line in the card's thread — all in the caller's
transaction, so none is written without the others."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.flows.conversation import audit_concern, note_on_card
from bot.flows.lifecycle import sync_card
from bot.flows.timeline import add_team_event
from storage.models import Concern
from storage.vault import Vault


def record_team_step(
    session: Session,
    vault: Vault,
    concern: Concern,
    *,
    event: str,
    summary: str,
    action: str,
    card_line: str,
    actor_id: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """`event`/`summary` go on the timeline, `action`/`detail` in the audit log (never free
    text), `card_line` in the card's thread. The step counts as the concern's latest change."""
    concern.updated_at = now
    event_uid = add_team_event(session, vault, concern, event, summary, actor_id, now)
    audit_concern(session, concern, action, actor=actor_id, now=now, detail=detail)
    session.flush()
    sync_card(session, concern, now)
    note_on_card(session, concern, card_line, now, event_uid)
