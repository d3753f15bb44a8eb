"""The team's side of a concern: a form opened from a button on its card, and the timeline
events the form recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from storage.models import ConcernEvent
from tests.support.harness import Harness
from tests.support.raise_helpers import concern_by_reference


def open_form(harness: Harness, user: str, reference: str, label: str) -> dict[str, Any]:
    before = len(harness.emulator.opened_views())
    harness.click(user, reference, label)
    return harness.next_view(user, before)


def open_filled_form(
    harness: Harness,
    user: str,
    reference: str,
    label: str,
    filled: Callable[[dict[str, Any]], bool],
) -> dict[str, Any]:
    """Press `label` on the card and return the modal once `filled`: a form that shows
    decrypted text opens on "Opening…" and is filled in when the text is ready."""
    before = len(harness.emulator.opened_views())
    harness.click(user, reference, label)

    def opened() -> list[dict[str, Any]]:
        sent = harness.emulator.opened_views()[before:]
        return [v.view for v in sent if v.user_id == user and filled(v.view)]

    assert harness.emulator.wait_for(lambda: bool(opened()), 10), f"{label}: never filled in"
    return opened()[-1]


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
