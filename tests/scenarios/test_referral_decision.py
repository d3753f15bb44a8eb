"""A safeguarding concern closes only with a referral decision, and "no referral needed"
takes a second member of the team. Over signed HTTP against the Slack emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.moves import Move, MoveDetails
from bot.flows import team_forms
from storage.models import AuditEntry, ConcernEvent
from tests.support.card_forms import open_filled_form
from tests.support.harness import (
    OTHER_STAFF,
    REPORTER,
    SAFEGUARDING_CHANNEL,
    SAFEGUARDING_MEMBERS,
    Harness,
)
from tests.support.journeys import button_labels, submit_form
from tests.support.ladder import SECOND_MEMBER, app_with_leads
from tests.support.raise_helpers import (
    concern_by_reference,
    confirmation_text,
    raise_via,
    reference_in,
    safeguarding_values,
)
from tests.support.raw_database import raw_database_text

FIRST = SAFEGUARDING_MEMBERS[0]
REASON_TEXT = "Family already supported by the school nurse, agreed with MASH by phone"


@pytest.fixture
def team(database_url: str) -> Iterator[Harness]:
    with app_with_leads(database_url) as harness:
        yield harness


def raise_acknowledged(harness: Harness, *, danger: str = "no") -> str:
    result = raise_via(harness, safeguarding=True, values=safeguarding_values(danger=danger))
    reference = reference_in(result)
    harness.settle()
    harness.click(FIRST, reference, "Acknowledge")
    harness.settle()
    return reference


def press_and_hear(harness: Harness, user: str, reference: str, label: str) -> str:
    """Press a card button and return the private message it answers with."""
    before = len(harness.ephemerals(user))
    harness.click(user, reference, label)
    assert harness.emulator.wait_for(lambda: len(harness.ephemerals(user)) > before, 5), label
    return harness.ephemerals(user)[-1]


def field_errors(
    harness: Harness, user: str, reference: str, label: str, values: dict[str, Any]
) -> dict[str, str]:
    answer = submit_form(harness, user, reference, label, values)
    assert answer is not None and answer.get("response_action") == "errors", answer
    return dict(answer["errors"])


def closes(harness: Harness, user: str, reference: str, outcome: dict[str, str]) -> None:
    """`user` fills in the card's Close form, and the concern is closed."""
    assert submit_form(harness, user, reference, "Close", outcome) is None
    assert concern_by_reference(harness, reference).status == "closed"


def open_confirmation(harness: Harness, user: str, reference: str) -> dict[str, Any]:
    """Press Confirm no referral and return the confirmation once filled in."""
    return open_filled_form(
        harness,
        user,
        reference,
        "Confirm no referral",
        lambda view: view.get("callback_id") == "confirm_no_referral",
    )


def test_closing_without_a_referral_decision_is_refused_and_changes_nothing(team: Harness) -> None:
    reference = raise_acknowledged(team)
    before = len(team.emulator.opened_views())
    said = press_and_hear(team, FIRST, reference, "Close")
    assert "cannot be closed without a referral decision" in said
    assert len(team.emulator.opened_views()) == before  # no close-out form to type into
    assert concern_by_reference(team, reference).status == "acknowledged"

    # The rule holds in the one transition too, whatever path a close arrives by.
    concern_id = concern_by_reference(team, reference).id
    refusal = team_forms.change_status(
        team.context,
        concern_id,
        FIRST,
        Move.CLOSE,
        MoveDetails(outcome="not_upheld", findings="x"),
        submission_id="V-forged-close",
    )
    assert refusal is not None and "referral decision" in refusal
    assert concern_by_reference(team, reference).status == "acknowledged"


def test_a_referral_awaiting_its_acknowledgement_cannot_close_until_chased(team: Harness) -> None:
    reference = raise_acknowledged(team)
    assert (
        submit_form(team, FIRST, reference, "Record referral", {"authority": "Westshire"}) is None
    )
    labels = button_labels(team.card_for(reference))
    assert "Referral acknowledged" in labels and "Acknowledgement chased" in labels
    assert "acknowledgement of the referral is not recorded" in press_and_hear(
        team, FIRST, reference, "Close"
    )

    errors = field_errors(
        team, FIRST, reference, "Acknowledgement chased", {"chased_on": "2099-01-01"}
    )
    assert errors == {"chased_on": "The date cannot be in the future."}
    assert submit_form(team, FIRST, reference, "Acknowledgement chased", {}) is None
    card = json.dumps(team.card_for(reference)["blocks"])
    assert "acknowledgement chased, not received" in card
    assert "Acknowledgement chased" not in button_labels(team.card_for(reference))

    closes(team, FIRST, reference, {"outcome": "action_taken", "outcome_text": "Referred"})


def test_no_referral_needed_takes_a_reason_and_a_second_member(team: Harness) -> None:
    reference = raise_acknowledged(team)
    assert "No referral needed" in button_labels(team.card_for(reference))

    # Each reason comes with what it needs; nothing is stored until it does.
    assert field_errors(team, FIRST, reference, "No referral needed", {}) == {
        "no_referral_reason": "Choose a reason from the list."
    }
    errors = field_errors(
        team, FIRST, reference, "No referral needed", {"no_referral_reason": "referred_by_crew"}
    )
    assert errors == {
        "no_referral_detail": "Please give the CAD / incident number of the crew's referral."
    }
    errors = field_errors(
        team,
        FIRST,
        reference,
        "No referral needed",
        {"no_referral_reason": "duplicate", "no_referral_detail": "SG-ZZZZZZ"},
    )
    assert errors == {"no_referral_detail": "No concern SG-ZZZZZZ was found: check the reference."}
    assert concern_by_reference(team, reference).no_referral_reason is None

    proposed = submit_form(
        team,
        FIRST,
        reference,
        "No referral needed",
        {"no_referral_reason": "other", "no_referral_detail": REASON_TEXT},
    )
    assert proposed is None
    card = team.card_for(reference)
    assert "awaiting a second member" in json.dumps(card["blocks"])
    assert "Confirm no referral" in button_labels(card)
    assert REASON_TEXT not in json.dumps(card)

    # Pending: the concern still cannot close, and the proposer cannot confirm it themselves.
    assert "second member" in press_and_hear(team, FIRST, reference, "Close")
    assert "someone else has to" in press_and_hear(team, FIRST, reference, "Confirm no referral")
    # Nor can anyone outside the team.
    assert "Only the safeguarding team" in press_and_hear(
        team, OTHER_STAFF, reference, "Confirm no referral"
    )

    view = open_confirmation(team, SECOND_MEMBER, reference)
    shown = json.dumps(view)
    assert "Other reason" in shown and REASON_TEXT in shown and f"<@{FIRST}>" in shown
    unticked = team.workspace.submit_view(SECOND_MEMBER, view, {}).json()
    assert unticked["errors"] == {"confirm": "Tick the box to confirm, or cancel."}
    assert concern_by_reference(team, reference).no_referral_confirmed_at is None
    ticked = team.workspace.submit_view(SECOND_MEMBER, view, {"confirm": ["agree"]})
    assert ticked.json() is None
    team.settle()

    concern = concern_by_reference(team, reference)
    assert concern.no_referral_by == FIRST and concern.no_referral_confirmed_by == SECOND_MEMBER
    assert "None needed (other reason), confirmed" in json.dumps(team.card_for(reference)["blocks"])
    assert REASON_TEXT not in raw_database_text(team.context.db)
    with team.context.db.transaction() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.concern_reference == reference)
        ).all()
        kinds = session.scalars(
            select(ConcernEvent.kind).where(ConcernEvent.concern_id == concern.id)
        ).all()
    assert "referral.not_needed_proposed" in actions
    assert "referral.not_needed_confirmed" in actions
    assert "concern.viewed" in actions  # the second member's opening of the detail
    assert {"no_referral_proposed", "no_referral_confirmed"} <= set(kinds)

    closes(team, SECOND_MEMBER, reference, {"outcome": "not_upheld", "outcome_text": "ok"})


def test_a_referral_recorded_after_a_proposal_replaces_it(team: Harness) -> None:
    reference = raise_acknowledged(team)
    other = raise_acknowledged(team)
    assert (
        submit_form(
            team,
            FIRST,
            reference,
            "No referral needed",
            {"no_referral_reason": "duplicate", "no_referral_detail": other.lower()},
        )
        is None
    )
    assert (
        submit_form(team, SECOND_MEMBER, reference, "Record referral", {"authority": "W"}) is None
    )
    concern = concern_by_reference(team, reference)
    assert concern.referral_made_at is not None and concern.no_referral_reason is None
    labels = button_labels(team.card_for(reference))
    assert "Confirm no referral" not in labels and "No referral needed" not in labels
    # The button from an older copy of the card, pressed now, is refused plainly.
    before = len(team.ephemerals(FIRST))
    stale = team.workspace.click_button(
        FIRST, "no_referral", value=concern.id, channel_id=SAFEGUARDING_CHANNEL
    )
    assert stale.status == 200
    assert team.emulator.wait_for(lambda: len(team.ephemerals(FIRST)) > before, 5)
    assert "already recorded" in team.ephemerals(FIRST)[-1]


def test_the_reporter_and_the_card_are_given_safeguarding_times(team: Harness) -> None:
    urgent = raise_via(team, safeguarding=True, values=safeguarding_values(danger="yes"))
    assert "will acknowledge it within the hour, by" in confirmation_text(urgent)
    routine = raise_via(team, safeguarding=True, values=safeguarding_values(danger="no"))
    assert "will acknowledge it within 24 hours, by" in confirmation_text(routine)
    team.settle()

    def dms() -> str:
        return json.dumps(team.emulator.messages_in(REPORTER))

    assert team.emulator.wait_for(lambda: "within 24 hours" in dms(), 5)
    assert "within the hour" in dms()
    concern = concern_by_reference(team, reference_in(urgent))
    card = json.dumps(team.card_for(concern.reference)["blocks"])
    assert f"Acknowledge by <!date^{int(concern.ack_due_at.timestamp())}^" in card


def test_view_details_states_the_urgency_and_every_open_deadline(team: Harness) -> None:
    reference = reference_in(
        raise_via(team, safeguarding=True, values=safeguarding_values(danger="yes"))
    )
    team.settle()
    concern = concern_by_reference(team, reference)
    before = len(team.emulator.opened_views())
    team.click(FIRST, reference, "View details")

    def details() -> list[dict[str, Any]]:
        return [
            sent.view
            for sent in team.emulator.opened_views()[before:]
            if sent.method == "views.update"
        ]

    assert team.emulator.wait_for(lambda: bool(details()), 5)
    shown = json.dumps(details()[-1])
    assert "*Urgency:* Immediate danger" in shown
    assert f"*Due:* Acknowledge by <!date^{int(concern.ack_due_at.timestamp())}^" in shown
    referral_due = int((concern.created_at + timedelta(hours=4)).timestamp())
    assert f"*Due:* Record local-authority referral by <!date^{referral_due}^" in shown
