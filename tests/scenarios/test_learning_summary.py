""" "You said, we did" over signed HTTP: a guardian drafts a learning summary on a closed
card, the drafter cannot approve it, a second guardian does, and exactly one post reaches the
learning channel carrying nothing that could identify the case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.flows import learning_summary
from bot.flows.retention import destroy
from bot.slack.copy import FORM_TAMPERED
from bot.slack.ids import Callback
from storage.models import AuditEntry, Concern, LearningSummary
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    GUARDIANS,
    OTHER_STAFF,
    REPORTER,
    Harness,
    running_app,
)
from tests.support.journeys import button_labels, raised, secret, submit_form
from tests.support.raw_database import raw_database_text

G1, G2 = GUARDIANS
LEARNING_CHANNEL = "C0LEARNING"
SUMMARY = (
    "Staff told us that lone working on night shifts felt unsafe. We changed the rota so "
    "nobody works a car alone overnight, and added a welfare call."
)


@pytest.fixture
def learning_app(database_url: str) -> Iterator[Harness]:
    with running_app(database_url, speakup_learning_channel=LEARNING_CHANNEL) as harness:
        yield harness


def closed_concern(harness: Harness, description: str) -> str:
    reference = raised(harness, identity="open", description=description)
    harness.click(G1, reference, "Acknowledge")
    harness.settle()
    closing = {"outcome": "action_taken", "outcome_text": "Rota changed"}
    assert submit_form(harness, G1, reference, "Close", closing) is None
    return reference


def open_learning(harness: Harness, user: str, reference: str) -> dict[str, Any]:
    before = len(harness.emulator.opened_views())
    harness.click(user, reference, "Learning summary")
    return harness.next_view(user, before)


def drafted_concern(harness: Harness) -> str:
    """A closed concern whose learning summary the first guardian has drafted."""
    reference = closed_concern(harness, "Anything")
    draft = open_learning(harness, G1, reference)
    assert harness.submit(G1, draft, {"learning_text": SUMMARY}).json() is None
    harness.settle()
    return reference


def approval_refused(harness: Harness, reference: str, reason: str) -> None:
    """The second guardian presses Learning summary, is told `reason`, and nothing is posted."""
    harness.click(G2, reference, "Learning summary")
    assert harness.emulator.wait_for(lambda: any(reason in t for t in harness.ephemerals(G2)), 5)
    harness.settle()
    assert not harness.emulator.messages_in(LEARNING_CHANNEL)


def test_a_second_guardian_approves_and_one_post_identifies_nothing(
    learning_app: Harness,
) -> None:
    harness = learning_app
    words = secret("learning")
    reference = closed_concern(harness, words)
    assert button_labels(harness.card_for(reference)) == [
        "View details",
        "Reopen",
        "Learning summary",
    ]

    # Not on the team: refused, no form.
    harness.click(OTHER_STAFF, reference, "Learning summary")
    assert harness.emulator.wait_for(lambda: bool(harness.ephemerals(OTHER_STAFF)), 5)
    assert "Only the guardians can do this." in harness.ephemerals(OTHER_STAFF)

    draft = open_learning(harness, G1, reference)
    assert draft["callback_id"] == Callback.LEARNING_DRAFT
    assert "no dates finer than a month" in json.dumps(draft)
    for identifying in (f"As raised in {reference}", "On 12 March the rota", f"<@{REPORTER}>"):
        answer = harness.submit(G1, draft, {"learning_text": identifying})
        assert answer.json()["response_action"] == "errors", identifying
    assert harness.submit(G1, draft, {"learning_text": SUMMARY}).json() is None
    harness.settle()
    assert not harness.emulator.messages_in(LEARNING_CHANNEL)

    # The drafter gets their own draft back to change, never an approval.
    again = open_learning(harness, G1, reference)
    assert again["callback_id"] == Callback.LEARNING_DRAFT
    approval = open_learning(harness, G2, reference)
    assert approval["callback_id"] == Callback.LEARNING_APPROVE
    assert SUMMARY in json.dumps(approval)
    # The drafter submitting the second guardian's approval form is refused; and were the
    # form's check bypassed, the approval itself still refuses its own drafter.
    refused = harness.submit(G1, approval, {}).json()
    assert FORM_TAMPERED in json.dumps(refused)
    with harness.context.db.transaction() as session:
        concern_id = session.scalars(select(LearningSummary.concern_id)).one()
    own = learning_summary.approve(harness.context, concern_id, G1, submission_id="V0FORGED")
    assert own is not None and "different guardian" in own
    harness.settle()
    assert not harness.emulator.messages_in(LEARNING_CHANNEL)

    assert harness.submit(G2, approval, {}).json() is None
    harness.settle()
    [post] = harness.emulator.messages_in(LEARNING_CHANNEL)
    text = json.dumps(post, ensure_ascii=False)
    assert "You said, we did" in text and "lone working" in text
    for leak in (reference, words, REPORTER, G1, G2):
        assert leak not in text
    # Approving twice, or once more from the card, posts nothing more.
    assert harness.submit(G2, approval, {}).json() is None
    harness.click(G2, reference, "Learning summary")
    assert harness.emulator.wait_for(
        lambda: any("already posted" in t for t in harness.ephemerals(G2)), 5
    )
    harness.settle()
    assert len(harness.emulator.messages_in(LEARNING_CHANNEL)) == 1

    thread = harness.emulator.thread_replies(GUARDIAN_CHANNEL, harness.card_for(reference)["ts"])
    assert any(f"<@{G2}> approved the learning summary" in (m.get("text") or "") for m in thread)
    assert not any("lone working" in (m.get("text") or "") for m in thread)
    with harness.context.db.transaction() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.concern_reference == reference)
        ).all()
        summary = session.scalars(select(LearningSummary)).one()
        assert (summary.drafted_by, summary.approved_by) == (G1, G2)
    assert {"learning.drafted", "learning.approved"} <= set(actions)
    # The draft is sealed like every other free text.
    assert "lone working" not in raw_database_text(harness.context.db)


def test_a_changed_drafter_opens_nothing(learning_app: Harness) -> None:
    harness = learning_app
    reference = drafted_concern(harness)
    # Someone with the database, not the keys, makes G2 the drafter so G2 could "approve" it.
    with harness.context.db.transaction() as session:
        session.scalars(select(LearningSummary)).one().drafted_by = G2
    approval_refused(harness, reference, "integrity check")


def test_without_a_learning_channel_the_card_offers_no_summary(harness: Harness) -> None:
    reference = closed_concern(harness, "Anything")
    assert button_labels(harness.card_for(reference)) == ["View details", "Reopen"]


def test_a_destroyed_concern_takes_its_draft_with_it(learning_app: Harness) -> None:
    harness = learning_app
    reference = drafted_concern(harness)
    # Its retention period ends (bot.flows.retention, as the daily job does it).
    with harness.context.db.transaction() as session:
        concern = session.scalars(select(Concern).where(Concern.reference == reference)).one()
        destroy(session, concern, reason="retention", now=harness.context.now())
    with harness.context.db.transaction() as session:
        assert session.scalars(select(LearningSummary.text_enc)).one() == b""
    approval_refused(harness, reference, "destroyed")
