"""Facts that decide who sees what are sealed with the data: someone who can write the
database (but holds no key) flips a column, and the app refuses to show anything, tells the
person plainly, and audits it, instead of showing more."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.flows.integrity import INTEGRITY_FAILED
from bot.flows.timeline import reporter_message_content
from storage.models import AuditEntry, Concern, ConcernEvent
from storage.vault import IntegrityCheckFailed
from tests.harness import GUARDIANS, REPORTER, SAFEGUARDING_MEMBERS, Harness
from tests.raise_support import raise_via, receipt_in, reference_in, speak_up_values
from tests.test_status_and_home import ask_via_card, shown, status
from tests.test_triage import raised, submit_form

G1 = GUARDIANS[0]
CONCERNS = Concern.__table__
EVENTS = ConcernEvent.__table__
SECRET_NOTE = "Internal: HR already warned the ward manager twice"


def tamper(harness: Harness, statement: Any) -> None:
    """Straight SQL, as a DBA or an injection elsewhere would write it: no app, no keys."""
    with harness.context.db.engine.begin() as connection:
        connection.execute(statement)


def integrity_audits(harness: Harness) -> list[tuple[str, str | None, dict[str, Any]]]:
    with harness.context.db.transaction() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "integrity.failed"))
        return [(row.actor, row.concern_reference, row.detail) for row in rows]


def views_after(harness: Harness, before: int) -> str:
    return json.dumps([v.view for v in harness.emulator.opened_views()[before:]])


def refused_to(harness: Harness, user: str) -> bool:
    return harness.emulator.wait_for(
        lambda: any(INTEGRITY_FAILED in text for text in harness.ephemerals(user)), 5
    )


def test_flipping_anonymous_to_confidential_shows_no_name_and_is_audited(harness: Harness) -> None:
    reference = raised(harness, identity="anonymous_follow_up")
    tamper(
        harness,
        update(CONCERNS)
        .where(CONCERNS.c.reference == reference)
        .values(identity_mode="confidential"),
    )
    before = len(harness.emulator.opened_views())
    harness.click(G1, reference, "View details")
    assert refused_to(harness, G1)
    assert "Riley Reporter" not in views_after(harness, before)
    assert len(harness.emulator.opened_views()) == before  # nothing opened at all
    assert not [c for c in harness.emulator.calls if c.method == "users.info"]
    assert integrity_audits(harness) == [(G1, reference, {"where": "team"})]
    # Every other team action is refused the same way.
    harness.click(G1, reference, "Acknowledge")
    assert harness.emulator.wait_for(
        lambda: sum(INTEGRITY_FAILED in t for t in harness.ephemerals(G1)) >= 2, 5
    )
    with harness.context.db.transaction() as session:
        assert (
            session.scalars(select(Concern.status).where(Concern.reference == reference)).one()
            == "received"
        )


def test_flipping_the_kind_does_not_hand_a_concern_to_the_other_team(harness: Harness) -> None:
    reference = raised(harness, identity="open")
    tamper(
        harness,
        update(CONCERNS).where(CONCERNS.c.reference == reference).values(kind="safeguarding"),
    )
    safeguarding = SAFEGUARDING_MEMBERS[0]
    before = len(harness.emulator.opened_views())
    harness.click(safeguarding, reference, "View details")
    assert refused_to(harness, safeguarding)
    assert len(harness.emulator.opened_views()) == before
    assert [entry[:2] for entry in integrity_audits(harness)] == [(safeguarding, reference)]


def test_flipping_a_notes_visibility_shows_the_reporter_nothing(harness: Harness) -> None:
    reference = raised(harness, identity="confidential")
    assert submit_form(harness, G1, reference, "Add note", {"note": SECRET_NOTE}) is None
    with harness.context.db.transaction() as session:
        note = session.scalars(select(ConcernEvent).where(ConcernEvent.kind == "note")).one()
        note_uid = note.uid
    assert SECRET_NOTE not in shown(status(harness, REPORTER))
    tamper(harness, update(EVENTS).where(EVENTS.c.uid == note_uid).values(visible_to_reporter=True))

    answer = shown(status(harness, REPORTER))
    assert SECRET_NOTE not in answer and reference not in answer
    assert INTEGRITY_FAILED in answer
    assert integrity_audits(harness) == [("reporter", reference, {"where": "status"})]

    # The team's View details refuses too, instead of showing a tampered timeline.
    before = len(harness.emulator.opened_views())
    harness.click(G1, reference, "View details")
    assert harness.emulator.wait_for(lambda: INTEGRITY_FAILED in views_after(harness, before), 5)
    assert SECRET_NOTE not in views_after(harness, before)


def test_a_dm_is_never_made_of_an_event_not_meant_for_the_reporter(harness: Harness) -> None:
    reference = raised(harness, identity="confidential")
    assert submit_form(harness, G1, reference, "Add note", {"note": SECRET_NOTE}) is None
    with harness.context.db.transaction() as session:
        concern = session.scalars(select(Concern).where(Concern.reference == reference)).one()
        note = session.scalars(select(ConcernEvent).where(ConcernEvent.kind == "note")).one()
        with pytest.raises(ValueError, match="not meant for the reporter"):
            reporter_message_content(harness.context.vault, concern, note)
        note.visible_to_reporter = True  # the flipped column, as an outbox item would read it
        with pytest.raises(IntegrityCheckFailed):
            reporter_message_content(harness.context.vault, concern, note)
        session.rollback()


def test_pointing_a_receipt_at_another_concern_opens_nothing(harness: Harness) -> None:
    mine = raise_via(harness, values=speak_up_values("My own worry", "anonymous_no_contact"))
    target = raise_via(harness, values=speak_up_values("Someone else's", "anonymous_no_contact"))
    harness.settle()
    my_reference, receipt = reference_in(mine), receipt_in(mine)
    with harness.context.db.transaction() as session:
        own = session.scalars(select(Concern).where(Concern.reference == my_reference)).one()
        locator, receipt_hash = own.receipt_locator, own.receipt_hash
    target_reference = reference_in(target)
    tamper(
        harness,
        update(CONCERNS)
        .where(CONCERNS.c.reference == target_reference)
        .values(receipt_locator=locator, receipt_hash=receipt_hash),
    )
    tamper(
        harness,
        update(CONCERNS).where(CONCERNS.c.reference == my_reference).values(receipt_locator="ZZZZ"),
    )
    answer = shown(status(harness, REPORTER, receipt))
    assert "Someone else" not in answer and target_reference not in answer
    assert INTEGRITY_FAILED in answer
    # Audited, but without the reference: beside the time it could link the receipt holder.
    assert integrity_audits(harness) == [("reporter", None, {"where": "receipt"})]


def test_a_concern_sealed_with_its_facts_cannot_be_passed_off_as_an_old_row(
    harness: Harness,
) -> None:
    reference = raised(harness, identity="anonymous_follow_up")
    tamper(
        harness,
        update(CONCERNS)
        .where(CONCERNS.c.reference == reference)
        .values(seal_version=1, identity_mode="open"),
    )
    harness.click(G1, reference, "View details")
    assert refused_to(harness, G1)


def test_a_reporter_keeps_their_conversation_when_nothing_was_tampered(harness: Harness) -> None:
    reference = raised(harness, identity="confidential")
    ask_via_card(harness, reference, "Which nights were short-staffed?")
    answer = shown(status(harness, REPORTER))
    assert reference in answer and INTEGRITY_FAILED not in answer
    assert integrity_audits(harness) == []
