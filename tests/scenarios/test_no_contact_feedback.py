"""A no-contact reporter answers "would you speak up again?" from their receipt page.

Other reporters are asked by DM at closure; a no-contact reporter has no DM, so their closed
concern's receipt page asks. The answer is stored with the date it was given (the quarterly
return counts it then) and nothing about the person: not their id, not a blind index of it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.schedules import quarter_of
from bot.domain.taxonomy import FEEDBACK_ANSWERS
from bot.flows.quarterly_return import quarterly_figures
from bot.slack.ids import Action, Callback
from storage.models import AuditEntry, Concern, ConcernEvent
from tests.support.harness import GUARDIAN_CHANNEL, GUARDIANS, OTHER_STAFF, Harness
from tests.support.journeys import (
    NO_CONTACT_REPORTER,
    press_on_receipt,
    receipt_button,
    secret,
    shown,
    status,
    submit_form,
)
from tests.support.log_scrubber import log_text
from tests.support.raise_helpers import (
    concern_by_reference,
    raise_via,
    receipt_in,
    reference_and_receipt,
    speak_up_values,
    wait_for_new_view,
)
from tests.support.raw_database import raw_database_text

GUARDIAN = GUARDIANS[0]
REPORTER = NO_CONTACT_REPORTER


def raise_and_close(harness: Harness, text: str) -> tuple[str, str]:
    """Raise a no-contact concern over signed HTTP; a guardian acknowledges and closes it."""
    result = raise_via(harness, user=REPORTER, values=speak_up_values(text, "anonymous_no_contact"))
    reference, receipt = reference_and_receipt(result)
    assert harness.wait_for_cards(GUARDIAN_CHANNEL, 1)
    harness.settle()
    harness.click(GUARDIAN, reference, "Acknowledge")
    harness.settle()
    submit_form(
        harness, GUARDIAN, reference, "Close", {"outcome": "partly_upheld", "outcome_text": "ok"}
    )
    return reference, receipt


def press_feedback(harness: Harness, user: str, value: str) -> None:
    """Press Give feedback on a receipt page."""
    press_on_receipt(harness, user, Action.RECEIPT_FEEDBACK.value, value)


def told(harness: Harness, user: str, words: str) -> bool:
    return harness.emulator.wait_for(
        lambda: any(words in text for text in harness.ephemerals(user)), 5
    )


def stored(harness: Harness, reference: str) -> tuple[str | None, datetime | None, int]:
    with harness.context.db.transaction() as session:
        concern = session.scalars(select(Concern).where(Concern.reference == reference)).one()
        events = session.scalars(
            select(ConcernEvent).where(
                ConcernEvent.concern_id == concern.id, ConcernEvent.kind == "feedback"
            )
        ).all()
        at = concern.feedback_given_at
        return concern.feedback, at and at.replace(tzinfo=at.tzinfo or UTC), len(events)


def test_a_closed_no_contact_concern_asks_for_feedback_once_and_counts_it_when_given(
    harness: Harness,
) -> None:
    open_page = status(
        harness,
        REPORTER,
        receipt_in(
            raise_via(
                harness, user=REPORTER, values=speak_up_values(identity="anonymous_no_contact")
            )
        ),
    )
    assert receipt_button(open_page, Action.RECEIPT_FEEDBACK) is None  # asked only once closed

    reference, receipt = raise_and_close(harness, "Rota changed without notice")
    raised_quarter = quarter_of(concern_by_reference(harness, reference).created_at.date())
    # The answer is given in a later quarter: it is counted there, not when raised.
    given_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=100)
    harness.context.clock = lambda: given_at

    page = status(harness, REPORTER, receipt)
    assert "would you speak up again" in shown(page)
    offered = receipt_button(page, Action.RECEIPT_FEEDBACK)
    assert offered is not None and offered["text"]["text"] == "Give feedback"

    before = len(harness.emulator.opened_views())
    press_feedback(harness, REPORTER, offered["value"])
    form = wait_for_new_view(harness, REPORTER, before)
    assert form["callback_id"] == Callback.RECEIPT_FEEDBACK
    options = [
        option["text"]["text"]
        for block in form["blocks"]
        if block.get("block_id") == "feedback"
        for option in block["element"]["options"]
    ]
    assert options == list(FEEDBACK_ANSWERS.values()) == ["Yes", "No", "Maybe", "Don't know"]

    # No answer chosen: a clear message, nothing stored.
    empty = harness.submit(REPORTER, form, {"feedback_comment": "nothing chosen"})
    assert empty.json()["response_action"] == "errors"
    assert "Choose one of the answers" in empty.json()["errors"]["feedback"]
    assert stored(harness, reference) == (None, None, 0)

    # Someone else holding the form (not the person who proved the receipt) changes nothing.
    borrowed = harness.submit(OTHER_STAFF, form, {"feedback": "no"})
    assert "expired" in borrowed.json()["errors"]["feedback"]
    assert stored(harness, reference) == (None, None, 0)

    sent = harness.submit(REPORTER, form, {"feedback": "yes", "feedback_comment": "Thanks"})
    assert sent.json()["response_action"] == "update", sent.body
    assert stored(harness, reference) == ("yes", given_at, 1)

    # Answering twice is refused, from the same form and from the page's button.
    again = harness.submit(REPORTER, form, {"feedback": "no"})
    assert again.json()["response_action"] == "errors"
    assert "already recorded" in again.json()["errors"]["feedback"]
    press_feedback(harness, REPORTER, offered["value"])
    assert told(harness, REPORTER, "already recorded")
    assert stored(harness, reference)[0] == "yes" and stored(harness, reference)[2] == 1
    later = status(harness, REPORTER, receipt)
    assert receipt_button(later, Action.RECEIPT_FEEDBACK) is None
    assert "already recorded" in shown(later)

    with harness.context.db.transaction() as session:
        given = quarterly_figures(session, harness.context.policy, *quarter_of(given_at.date()))
        when_raised = quarterly_figures(session, harness.context.policy, *raised_quarter)
    assert (given["feedback_responses"], given["feedback:yes"]) == (1, 1)
    assert when_raised["feedback_responses"] == 0


def test_a_feedback_button_expires_and_cannot_be_forged(harness: Harness) -> None:
    reference, receipt = raise_and_close(harness, "Handover notes lost")
    offered = receipt_button(status(harness, REPORTER, receipt), Action.RECEIPT_FEEDBACK)
    assert offered is not None
    opened = len(harness.emulator.calls_to("views.open"))
    # A Reply pass, a made-up value and another person's press open nothing.
    reply_like = offered["value"][:-4] + "AAAA"
    for user, value in (
        (REPORTER, reply_like),
        (REPORTER, "forged"),
        (OTHER_STAFF, offered["value"]),
    ):
        press_feedback(harness, user, value)
        assert told(harness, user, "expired")
    start = harness.context.now()
    harness.context.clock = lambda: start + timedelta(minutes=31)
    press_feedback(harness, REPORTER, offered["value"])
    assert len(harness.emulator.calls_to("views.open")) == opened
    assert stored(harness, reference) == (None, None, 0)


def test_feedback_from_a_receipt_stores_and_logs_nothing_about_the_person(
    harness: Harness, no_contact_logs: pytest.LogCaptureFixture
) -> None:
    comment = secret("feedback-comment")
    reference, receipt = raise_and_close(harness, secret("no-contact"))
    no_contact_logs.clear()
    offered = receipt_button(status(harness, REPORTER, receipt), Action.RECEIPT_FEEDBACK)
    assert offered is not None
    before = len(harness.emulator.opened_views())
    press_feedback(harness, REPORTER, offered["value"])
    form = wait_for_new_view(harness, REPORTER, before)
    sent = harness.submit(REPORTER, form, {"feedback": "maybe", "feedback_comment": comment})
    assert sent.json()["response_action"] == "update"
    harness.settle()

    logs = log_text(no_contact_logs)
    assert "receipt.feedback_given" in logs  # the capture works
    for text in (REPORTER, reference, receipt, comment, harness.emulator.im_channel_id(REPORTER)):
        assert text not in logs
    ring = harness.context.vault.ring
    raw = raw_database_text(harness.context.db)
    assert comment not in raw  # the comment is sealed like any free text
    for marker in (REPORTER, *ring.blind_index_candidates(REPORTER)):
        assert marker not in raw, "something about the person was stored"
    with harness.context.db.transaction() as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "feedback.given")
        ).all()
    assert [entry.actor for entry in audit] == ["reporter"]
    # Nothing the app sent to Slack names the person (the form is opened by trigger only).
    for call in harness.emulator.calls:
        assert comment not in json.dumps(call.params)
        if call.method in ("chat.postMessage", "chat.update"):
            assert REPORTER not in json.dumps(call.params)
