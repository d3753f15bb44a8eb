"""The team's side of a concern: a form opened from a button on its card, and the timeline
events the form recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from storage.models import ConcernEvent
from tests.support.harness import Harness
from tests.support.raise_helpers import concern_by_reference


def open_form(harness: Harness, user: str, reference: str, label: str) -> dict[str, Any]:
    before = len(harness.emulator.opened_views())
    harness.click(user, reference, label)
    return harness.next_view(user, before)


def events_of(harness: Harness, reference: str, kind: str) -> int:
    concern = concern_by_reference(harness, reference)
    with harness.context.db.transaction() as session:
        return int(
            session.scalar(
                select(func.count(ConcernEvent.id)).where(
                    ConcernEvent.concern_id == concern.id, ConcernEvent.kind == kind
                )
            )
            or 0
        )
