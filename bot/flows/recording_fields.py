"""Correcting what a concern records for the returns: elements, staff group, worker type and
detriment (with the date it was indicated). Guardians may correct them at any time; every
change is audited by field name and new value (lists and labels, never free text)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.moves import IllegalMove
from bot.domain.taxonomy import (
    DETRIMENT_ANSWERS,
    ELEMENTS,
    PROFESSIONAL_GROUPS,
    WORKER_TYPES,
    ConcernKind,
)
from bot.flows.conversation import audit_concern, note_on_card
from bot.flows.lifecycle import sync_card
from bot.flows.timeline import add_event
from storage.models import Concern
from storage.vault import Vault


@dataclass(frozen=True)
class RecordingFields:
    elements: tuple[str, ...]
    professional_group: str | None
    worker_type: str | None
    detriment: str | None
    detriment_on: date | None  # when detriment was indicated, if it was

    @classmethod
    def of(cls, concern: Concern, timezone: str) -> RecordingFields:
        indicated = concern.detriment_indicated_at
        return cls(
            elements=tuple(concern.elements or ()),
            professional_group=concern.professional_group,
            worker_type=concern.worker_type,
            detriment=concern.detriment,
            detriment_on=indicated.astimezone(ZoneInfo(timezone)).date() if indicated else None,
        )


def check_fields(fields: RecordingFields, *, kind: str, today: date) -> dict[str, str]:
    """Problems by field name: unknown choices, no element on a speak-up concern, a
    detriment date in the future or without detriment."""
    problems: dict[str, str] = {}
    if kind == ConcernKind.SPEAK_UP and not fields.elements:
        problems["elements"] = "Choose at least one element."
    if any(e not in ELEMENTS for e in fields.elements):
        problems["elements"] = "Choose from the list."
    if fields.professional_group not in (None, *PROFESSIONAL_GROUPS):
        problems["professional_group"] = "Choose from the list."
    if fields.worker_type not in (None, *WORKER_TYPES):
        problems["worker_type"] = "Choose from the list."
    if fields.detriment not in (None, *DETRIMENT_ANSWERS):
        problems["detriment"] = "Choose from the list."
    if fields.detriment_on is not None:
        if fields.detriment != "yes":
            problems["detriment_on"] = "Give a date only when detriment is indicated."
        elif fields.detriment_on > today:
            problems["detriment_on"] = "That date is in the future."
    return problems


def edit_recording(
    session: Session,
    vault: Vault,
    concern: Concern,
    fields: RecordingFields,
    *,
    actor_id: str,
    now: datetime,
    timezone: str,
) -> list[str]:
    """Apply the corrected fields; returns the names of those that changed."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    if problems := check_fields(fields, kind=concern.kind, today=today):
        raise IllegalMove(next(iter(problems.values())))
    before = RecordingFields.of(concern, timezone)
    changed = [
        name
        for name in ("elements", "professional_group", "worker_type", "detriment", "detriment_on")
        if getattr(before, name) != getattr(fields, name)
    ]
    if not changed:
        return []
    concern.elements = list(fields.elements)
    concern.professional_group = fields.professional_group
    concern.worker_type = fields.worker_type
    concern.detriment = fields.detriment
    if fields.detriment != "yes":
        concern.detriment_indicated_at = None
    elif fields.detriment_on is not None and fields.detriment_on != before.detriment_on:
        concern.detriment_indicated_at = datetime.combine(
            fields.detriment_on, time(12), ZoneInfo(timezone)
        ).astimezone(UTC)
    elif concern.detriment_indicated_at is None:
        concern.detriment_indicated_at = now
    concern.updated_at = now
    event_uid = add_event(
        session,
        vault,
        concern,
        kind="recording_edited",
        actor_role="guardian",
        actor_id=actor_id,
        summary="Recording corrected: " + ", ".join(n.replace("_", " ") for n in changed),
        now=now,
    )
    audit_concern(
        session,
        concern,
        "concern.recording_edited",
        actor=actor_id,
        now=now,
        detail={
            "changed": changed,
            "elements": list(fields.elements),
            "professional_group": fields.professional_group,
            "worker_type": fields.worker_type,
            "detriment": fields.detriment,
            "detriment_on": fields.detriment_on.isoformat() if fields.detriment_on else None,
        },
    )
    session.flush()
    sync_card(session, concern, now)
    note_on_card(session, concern, f"<@{actor_id}> corrected the recording.", now, event_uid)
    return changed
