"""The two-way conversation between guardians and a reporter, through the bot."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.taxonomy import IdentityMode
from bot.flows import effects
from bot.flows.due_times import deadlines_changed
from bot.flows.timeline import add_event, notify_reporter
from storage import audit
from storage.models import Concern, ConcernEvent
from storage.vault import ContentDestroyed, Vault


def note_on_card(session: Session, concern: Concern, text: str, now: datetime, key: str) -> None:
    """Queue a content-free line in the card's thread (who did what, never what was said)."""
    effects.queue_thread_note(session, concern_id=concern.id, key=key, text=text, now=now)


class Referenced(Protocol):
    """A concern named by its reference: a stored row, or one about to be stored."""

    @property
    def reference(self) -> str: ...


def audit_concern(
    session: Session,
    concern: Referenced,
    action: str,
    *,
    actor: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append the audit entry for `action` on this concern, in the caller's transaction."""
    audit.append(
        session,
        at=now,
        actor=actor,
        action=action,
        concern_reference=concern.reference,
        detail=detail,
    )


def record_reporter_reply(
    session: Session, vault: Vault, concern: Concern, text: str, *, now: datetime
) -> None:
    """A reporter's answer (by DM button or receipt page) joins the conversation, sealed."""
    event_uid = add_event(
        session,
        vault,
        concern,
        kind="reporter_reply",
        actor_role="reporter",
        summary="The reporter replied",
        body=text,
        now=now,
        visible_to_reporter=True,
    )
    concern.updated_at = now
    audit_concern(session, concern, "reporter.replied", actor="reporter", now=now)
    if not is_anonymous(concern):
        note_on_card(session, concern, "The reporter replied.", now, event_uid)
    # An anonymous reporter's reply shows in View details only: a line in the channel at the
    # moment they replied could be lined up with Slack's record of who used the app then.


def is_anonymous(concern: Concern) -> bool:
    """Whether the reporter chose to stay anonymous, with or without a way to follow up."""
    return concern.identity_mode in (
        IdentityMode.ANONYMOUS_FOLLOW_UP,
        IdentityMode.ANONYMOUS_NO_CONTACT,
    )


UNREACHABLE = (
    "The reporter cannot be reached by direct message at the moment (Slack refuses it); "
    "updates stay queued and go out if that changes."
)


def reporter_unreachable(
    session: Session, vault: Vault, concern: Concern, *, now: datetime
) -> None:
    """Slack refuses the reporter's DMs (they left, or were deactivated): tell the team once,
    so silence is never mistaken for the reporter ignoring them. For an anonymous reporter
    the notice goes to View details (audited), not the channel, where it could be matched
    against a leavers' list."""
    if not is_anonymous(concern):
        effects.queue_thread_note(
            session,
            concern_id=concern.id,
            key=f"unreachable:{concern.id}",
            text=UNREACHABLE,
            now=now,
            once=True,
        )
        return
    already = session.scalar(
        select(ConcernEvent.uid).where(
            ConcernEvent.concern_id == concern.id, ConcernEvent.kind == "reporter_unreachable"
        )
    )
    if already:
        return
    add_event(
        session,
        vault,
        concern,
        kind="reporter_unreachable",
        actor_role="system",
        summary=UNREACHABLE,
        now=now,
    )
    audit_concern(session, concern, "reporter.unreachable", actor="system", now=now)


def ask_reporter(
    session: Session,
    vault: Vault,
    concern: Concern,
    question: str,
    *,
    actor_id: str,
    now: datetime,
) -> bool:
    """A guardian's question to the reporter; returns whether it goes by DM (else receipt)."""
    event_uid = add_event(
        session,
        vault,
        concern,
        kind="question",
        actor_role="guardian",
        actor_id=actor_id,
        summary="A guardian asked you a question",
        body=question,
        now=now,
        visible_to_reporter=True,
    )
    concern.updated_at = now
    concern.last_reporter_update_at = now
    deadlines_changed(concern, now)
    audit_concern(session, concern, "reporter.asked", actor=actor_id, now=now)
    note_on_card(session, concern, f"<@{actor_id}> asked the reporter a question.", now, event_uid)
    return notify_reporter(session, concern, event_uid, now)


def is_reporter(vault: Vault, concern: Concern, user_id: str) -> bool:
    """Whether `user_id` raised this concern (only answerable for reachable reporters)."""
    if concern.reporter_enc is None:
        return False
    try:
        data_key = vault.concern_key(concern)
    except ContentDestroyed:
        # Restored from before its destruction, its shred key gone: nothing can say whose it
        # was any more, and the next retention run wipes the row.
        return False
    sealed = vault.open_json(
        data_key, concern.reporter_enc, table="concerns", row_id=concern.id, field="reporter"
    )
    return hmac.compare_digest(str(sealed.get("user_id", "")), user_id)


def latest_question(session: Session, vault: Vault, concern: Concern) -> str | None:
    """The most recent question the team asked the reporter, decrypted."""
    event = session.scalars(
        select(ConcernEvent)
        .where(ConcernEvent.concern_id == concern.id, ConcernEvent.kind == "question")
        .order_by(ConcernEvent.id.desc())
        .limit(1)
    ).first()
    if event is None:
        return None
    return vault.event_body(vault.concern_key(concern), concern, event)
