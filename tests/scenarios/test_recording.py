"""Every case is recorded: a guardian records a concern raised in person, by phone or email."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from bot.domain.clock import utcnow
from storage.models import AuditEntry, Concern, OutboxItem
from tests.support.card_forms import open_filled_form
from tests.support.harness import GUARDIAN_CHANNEL, GUARDIANS, OTHER_STAFF, REPORTER, Harness
from tests.support.raise_helpers import open_home

G1 = GUARDIANS[0]
SECRET = "Told me on the station forecourt MARK-5521"


def record_values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "raised_via": "in_person",
        "raised_on": (utcnow().date() - timedelta(days=2)).isoformat(),
        "elements": ["bullying_harassment"],
        "description": SECRET,
        "recorded_identity": "confidential",
    }
    values.update(changes)
    return values


def open_record_form(harness: Harness, user: str) -> dict[str, Any]:
    before = len(harness.emulator.opened_views())
    result = harness.workspace.slash_command(user, "/speakup", "record")
    assert result.status == 200
    return harness.next_view(user, before)


def recorded(harness: Harness) -> Concern:
    with harness.context.db.transaction() as session:
        concern = session.scalars(select(Concern).where(Concern.raised_via != "slack")).one()
        session.expunge(concern)
        return concern


def test_a_guardian_records_a_concern_raised_in_person(harness: Harness) -> None:
    view = open_record_form(harness, G1)
    assert view["callback_id"] == "record_concern"
    answer = harness.workspace.submit_view(G1, view, record_values(reporter_user=REPORTER))
    body = answer.json()
    assert body["response_action"] == "update", body
    concern = recorded(harness)
    assert concern.reference in json.dumps(body["view"])
    assert concern.recorded_by == G1 and concern.raised_via == "in_person"
    # Counted from the day it was raised, not the day it was typed in.
    assert concern.created_at.date() == date.today() - timedelta(days=2)
    harness.settle()
    card = harness.card_for(concern.reference)
    assert card["channel"] == GUARDIAN_CHANNEL
    text = json.dumps(card)
    assert "In person" in text and SECRET not in text
    # Linked (confidential) reporters hear about it like anyone who used the app.
    assert harness.emulator.wait_for(lambda: bool(harness.emulator.messages_in(REPORTER)), 10)
    with harness.context.db.transaction() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert "concern.recorded" in actions


def test_an_unlinked_or_anonymous_recording_messages_nobody(harness: Harness) -> None:
    view = open_record_form(harness, G1)
    answer = harness.workspace.submit_view(
        G1, view, record_values(recorded_identity="anonymous_no_contact", raised_via="letter")
    )
    assert answer.json()["response_action"] == "update"
    concern = recorded(harness)
    assert concern.reporter_enc is None and concern.reporter_index is None
    assert concern.receipt_hash is None
    harness.settle()
    with harness.context.db.transaction() as session:
        kinds = list(session.scalars(select(OutboxItem.kind)))
    assert "reporter_dm" not in kinds


def test_an_anonymous_recording_cannot_be_linked_to_an_account(harness: Harness) -> None:
    view = open_record_form(harness, G1)
    answer = harness.workspace.submit_view(
        G1,
        view,
        record_values(recorded_identity="anonymous_no_contact", reporter_user=REPORTER),
    )
    errors = answer.json()["errors"]
    assert "reporter_user" in errors


def test_a_future_date_and_a_missing_way_are_refused(harness: Harness) -> None:
    view = open_record_form(harness, G1)
    tomorrow = (utcnow().date() + timedelta(days=2)).isoformat()
    values = record_values(raised_on=tomorrow)
    del values["raised_via"]
    errors = harness.workspace.submit_view(G1, view, values).json()["errors"]
    assert set(errors) >= {"raised_on", "raised_via"}
    with harness.context.db.transaction() as session:
        assert session.scalars(select(Concern)).first() is None


def test_only_guardians_may_record(harness: Harness) -> None:
    result = harness.workspace.slash_command(OTHER_STAFF, "/speakup", "record")
    assert result.status == 200
    assert harness.emulator.wait_for(
        lambda: any("Only the guardians" in t for t in harness.ephemerals(OTHER_STAFF)), 10
    )


def test_guardians_find_the_record_button_on_their_home_tab(harness: Harness) -> None:
    guardian_home = json.dumps(open_home(harness, G1))
    staff_home = json.dumps(open_home(harness, OTHER_STAFF))
    assert "Record a concern" in guardian_home
    assert "Record a concern" not in staff_home


def details_with_edit(harness: Harness, reference: str) -> dict[str, Any]:
    """View details as it stands once decrypted."""
    return open_filled_form(
        harness, G1, reference, "View details", lambda view: "Edit recording" in json.dumps(view)
    )


def test_guardians_correct_the_recording_and_every_change_is_audited(harness: Harness) -> None:
    result = harness.raise_speak_up(description="Rota again", identity="open")
    assert result.json()["response_action"] == "update"
    harness.settle()
    reference = harness.latest_reference()
    details = details_with_edit(harness, reference)
    pushed_before = len(harness.emulator.opened_views())
    harness.workspace.click_labelled(G1, details, "Edit recording")
    form = harness.next_view(G1, pushed_before)
    assert form["callback_id"] == "edit_recording_form"
    day = (utcnow().date() - timedelta(days=1)).isoformat()
    answer = harness.workspace.submit_view(
        G1,
        form,
        {
            "elements": ["worker_safety", "bullying_harassment"],
            "worker_type": "bank",
            "detriment": "yes",
            "detriment_on": day,
        },
    )
    assert answer.status == 200 and not answer.body.strip(), answer.body
    with harness.context.db.transaction() as session:
        concern = session.scalars(select(Concern).where(Concern.reference == reference)).one()
        assert concern.worker_type == "bank" and concern.detriment == "yes"
        assert set(concern.elements) == {"worker_safety", "bullying_harassment"}
        assert concern.detriment_indicated_at is not None
        edits = list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == "concern.recording_edited")
            )
        )
    assert len(edits) == 1


def test_a_detriment_date_without_detriment_is_refused(harness: Harness) -> None:
    harness.raise_speak_up(identity="open")
    harness.settle()
    reference = harness.latest_reference()
    details = details_with_edit(harness, reference)
    harness.workspace.click_labelled(OTHER_STAFF, details, "Edit recording")
    # Pressed in a modal, the refusal comes as a private DM from the app.
    assert harness.emulator.wait_for(
        lambda: any(
            "Only the guardians" in str(m.get("text"))
            for m in harness.emulator.messages_in(OTHER_STAFF)
        ),
        10,
    )
    pushed_before = len(harness.emulator.opened_views())
    harness.workspace.click_labelled(G1, details, "Edit recording")
    form = harness.next_view(G1, pushed_before)
    errors = harness.workspace.submit_view(
        G1, form, {"elements": ["other"], "detriment": "no", "detriment_on": "2026-01-05"}
    ).json()["errors"]
    assert "detriment_on" in errors
