"""Guardian triage over signed HTTP: every button, authorisation, transitions, conversation."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from storage.models import AuditEntry, ConcernEvent
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    GUARDIANS,
    OTHER_STAFF,
    REPORTER,
    SAFEGUARDING_CHANNEL,
    SAFEGUARDING_MEMBERS,
    Harness,
)
from tests.support.journeys import button_labels, raised, submit_form
from tests.support.raise_helpers import concern_by_reference

G1, G2 = GUARDIANS
CARD_LABELS = [
    "View details",
    "Acknowledge",
    "Assign",
    "Ask reporter",
    "Add note",
    "Update status",
    "Close",
]


def raised_through_safeguarding_form(harness: Harness, values: dict[str, str]) -> str:
    """Raise a safeguarding concern by choosing "Someone is at risk of harm" on the raise modal."""
    view = harness.open_raise_modal()
    before = len(harness.emulator.opened_views())
    harness.workspace.click_labelled(REPORTER, view, "Someone is at risk of harm")
    form = harness.next_view(REPORTER, before)
    harness.workspace.submit_view(REPORTER, form, values)
    harness.settle()
    return harness.latest_reference()


def audit_count(harness: Harness) -> int:
    with harness.context.db.transaction() as session:
        return int(session.scalar(select(func.count(AuditEntry.seq))) or 0)


def test_card_has_every_button_and_no_content(harness: Harness) -> None:
    reference = raised(harness, description="Secret words about the ward", identity="open")
    card = harness.card_for(reference)
    assert button_labels(card) == CARD_LABELS
    assert "Secret words" not in json.dumps(card)


def test_acknowledge_updates_card_in_place_threads_a_line_and_tells_the_reporter(
    harness: Harness,
) -> None:
    reference = raised(harness, identity="confidential")
    card = harness.card_for(reference)
    harness.click(G1, reference, "Acknowledge")
    harness.settle()

    updated = harness.card_for(reference)
    assert updated["ts"] == card["ts"]  # the same message, updated
    assert "Acknowledged" in json.dumps(updated["blocks"])
    assert "Acknowledge" not in button_labels(updated)
    assert len(harness.cards_in(GUARDIAN_CHANNEL)) == 1
    thread = harness.emulator.thread_replies(GUARDIAN_CHANNEL, card["ts"])
    assert any(f"<@{G1}> acknowledged" in (m.get("text") or "") for m in thread)
    dms = harness.emulator.messages_in(REPORTER)
    assert any("acknowledged your concern" in json.dumps(m.get("blocks")) for m in dms)
    assert concern_by_reference(harness, reference).status == "acknowledged"


@pytest.mark.parametrize("label", CARD_LABELS)
def test_every_button_is_refused_for_someone_not_on_the_team(harness: Harness, label: str) -> None:
    reference = raised(harness)
    before_audit = audit_count(harness)
    before_views = len(harness.emulator.opened_views())
    harness.click(OTHER_STAFF, reference, label)
    assert harness.emulator.wait_for(lambda: bool(harness.ephemerals(OTHER_STAFF)), 5)
    assert "Only the guardians can do this." in harness.ephemerals(OTHER_STAFF)
    assert len(harness.emulator.opened_views()) == before_views
    assert concern_by_reference(harness, reference).status == "received"
    assert audit_count(harness) == before_audit


def test_every_form_button_works_for_a_guardian(harness: Harness) -> None:
    reference = raised(harness, identity="open")
    harness.click(G1, reference, "Acknowledge")
    harness.settle()
    assert submit_form(harness, G1, reference, "Assign", {"owner": G2}) is None
    assert concern_by_reference(harness, reference).owner_id == G2
    assert submit_form(harness, G1, reference, "Add note", {"note": "Spoke to HR"}) is None
    progress = {"stage": "investigating", "message": "We are looking at the rota."}
    assert submit_form(harness, G2, reference, "Update status", progress) is None
    assert concern_by_reference(harness, reference).stage == "investigating"
    assert submit_form(harness, G2, reference, "Ask reporter", {"message": "Which nights?"}) is None
    closing = {"outcome": "action_taken", "outcome_text": "Rota fixed", "message": "Thank you."}
    assert submit_form(harness, G2, reference, "Close", closing) is None
    closed = concern_by_reference(harness, reference)
    assert closed.status == "closed" and closed.outcome == "action_taken"
    assert button_labels(harness.card_for(reference)) == ["View details", "Reopen"]
    harness.click(G1, reference, "Reopen")
    harness.settle()
    assert concern_by_reference(harness, reference).status == "in_progress"

    # View details: decrypted content, the reporter's name for an open concern, and audited.
    before = len(harness.emulator.opened_views())
    harness.click(G1, reference, "View details")
    assert harness.emulator.wait_for(
        lambda: any(
            "Spoke to HR" in json.dumps(v.view) for v in harness.emulator.opened_views()[before:]
        ),
        5,
    )
    shown = json.dumps([v.view for v in harness.emulator.opened_views()[before:]])
    assert "Riley Reporter" in shown and "Rota fixed" in shown and "Which nights?" in shown
    harness.settle()  # the showing is audited once Slack has answered for it
    with harness.context.db.transaction() as session:
        viewed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "concern.viewed")
        ).all()
        assert [(v.actor, v.concern_reference) for v in viewed] == [(G1, reference)]


def test_assign_only_to_a_member_of_the_team(harness: Harness) -> None:
    reference = raised(harness)
    answer = submit_form(harness, G1, reference, "Assign", {"owner": OTHER_STAFF})
    assert answer is not None and answer["response_action"] == "errors"
    assert concern_by_reference(harness, reference).owner_id is None


def test_illegal_transitions_are_refused_with_a_clear_message(harness: Harness) -> None:
    reference = raised(harness)
    # Reopen an open concern: forge the click, since an open card has no Reopen button.
    concern = concern_by_reference(harness, reference)
    harness.workspace.click_button(G1, "reopen", value=concern.id, channel_id=GUARDIAN_CHANNEL)
    assert harness.emulator.wait_for(
        lambda: any("nothing to reopen" in t for t in harness.ephemerals(G1)), 5
    )
    harness.click(G1, reference, "Acknowledge")
    harness.settle()
    harness.workspace.click_button(G1, "acknowledge", value=concern.id, channel_id=GUARDIAN_CHANNEL)
    assert harness.emulator.wait_for(
        lambda: any("already been acknowledged" in t for t in harness.ephemerals(G1)), 5
    )
    submit_form(harness, G1, reference, "Close", {"outcome": "not_upheld", "outcome_text": "x"})
    assert concern_by_reference(harness, reference).status == "closed"
    for action in ("close", "acknowledge", "update_status"):
        harness.workspace.click_button(G1, action, value=concern.id, channel_id=GUARDIAN_CHANNEL)
    assert harness.emulator.wait_for(
        lambda: sum("is closed" in t for t in harness.ephemerals(G1)) >= 3, 5
    )
    assert concern_by_reference(harness, reference).status == "closed"


def test_forged_values_cannot_reach_another_concern_or_elevate(harness: Harness) -> None:
    speak_up = raised(harness)
    safeguarding = raised_through_safeguarding_form(
        harness,
        {
            "at_risk": "adult",
            "immediate_danger": "no",
            "location": "Northtown",
            "description": "A patient told me about harm at home",
            "identity": "confidential",
        },
    )
    target = concern_by_reference(harness, safeguarding)

    # A guardian forges the button value on a speak-up card to act on the safeguarding one.
    card = harness.card_for(speak_up)
    harness.workspace.click_button(G1, "acknowledge", value=target.id, message=card)
    assert harness.emulator.wait_for(
        lambda: any("Only the safeguarding team" in t for t in harness.ephemerals(G1)), 5
    )
    assert concern_by_reference(harness, safeguarding).status == "received"

    # A guardian's genuine Add note form, with private_metadata rewritten to the other concern.
    before = len(harness.emulator.opened_views())
    harness.click(G1, speak_up, "Add note")
    note_form = harness.next_view(G1, before)
    forged = note_form["private_metadata"].replace(
        concern_by_reference(harness, speak_up).id, target.id
    )
    answer = harness.workspace.submit_view(
        G1, note_form, {"note": "forged"}, private_metadata=forged
    ).json()
    assert answer["response_action"] == "errors"
    # Another user submitting a form a guardian opened is refused too.
    answer = harness.workspace.submit_view(OTHER_STAFF, note_form, {"note": "elevated"}).json()
    assert answer["response_action"] == "errors"
    with harness.context.db.transaction() as session:
        notes = session.scalar(
            select(func.count(ConcernEvent.id)).where(ConcernEvent.kind == "note")
        )
    assert notes == 0

    # The safeguarding team member (through the user group) may act on it.
    harness.click(SAFEGUARDING_MEMBERS[0], safeguarding, "Acknowledge")
    harness.settle()
    assert concern_by_reference(harness, safeguarding).status == "acknowledged"
    assert harness.card_for(safeguarding) in harness.cards_in(SAFEGUARDING_CHANNEL)


def test_anonymous_follow_up_conversation_never_exposes_the_reporter(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    reference = raised(harness, identity="anonymous_follow_up", description="Anon worry")
    harness.click(G1, reference, "Acknowledge")
    harness.settle()
    submit_form(harness, G1, reference, "Ask reporter", {"message": "Which station was it?"})

    dms = harness.emulator.messages_in(REPORTER)
    assert any("acknowledged your concern" in json.dumps(m["blocks"]) for m in dms)
    question = next(m for m in dms if "Which station was it?" in json.dumps(m["blocks"]))
    before = len(harness.emulator.opened_views())
    harness.workspace.click_labelled(REPORTER, question, "Reply")
    reply_form = harness.next_view(REPORTER, before)
    assert "Which station was it?" in json.dumps(reply_form)
    answer = harness.workspace.submit_view(REPORTER, reply_form, {"message": "Eastgate, nights"})
    assert answer.status == 200 and not answer.body.strip()
    harness.settle()

    card = harness.card_for(reference)
    thread = harness.emulator.thread_replies(GUARDIAN_CHANNEL, card["ts"])
    # An anonymous reporter's reply is shown in View details, never announced in the channel.
    assert not any("The reporter replied" in (m.get("text") or "") for m in thread)
    before = len(harness.emulator.opened_views())
    harness.click(G1, reference, "View details")
    assert harness.emulator.wait_for(
        lambda: any(
            "Eastgate, nights" in json.dumps(v.view)
            for v in harness.emulator.opened_views()[before:]
        ),
        5,
    )

    # Nothing a guardian or a channel saw, and no log line, names the reporter.
    guardian_views = [v.view for v in harness.emulator.opened_views() if v.user_id != REPORTER]
    channel_traffic = [
        c.params
        for c in harness.emulator.calls
        if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")
        and not str(c.params.get("channel", "")).startswith("D")
    ]
    seen = json.dumps([guardian_views, channel_traffic]) + caplog.text
    assert "Anonymous reporter" in json.dumps(guardian_views)
    for secret in (REPORTER, "Riley Reporter", "riley"):
        assert secret not in seen


def test_reply_button_is_useless_to_anyone_but_the_reporter(harness: Harness) -> None:
    reference = raised(harness, identity="anonymous_follow_up")
    submit_form(harness, G1, reference, "Ask reporter", {"message": "Can you say more?"})
    question = next(
        m
        for m in harness.emulator.messages_in(REPORTER)
        if "Can you say more?" in json.dumps(m["blocks"])
    )
    before = len(harness.emulator.opened_views())
    harness.workspace.click_labelled(OTHER_STAFF, question, "Reply")
    assert harness.emulator.wait_for(
        lambda: any(
            "someone else's concern" in json.dumps(m.params)
            for m in harness.emulator.calls_to("chat.postMessage")
            + harness.emulator.calls_to("chat.postEphemeral")
        ),
        5,
    )
    assert [v for v in harness.emulator.opened_views()[before:] if v.user_id == OTHER_STAFF] == []


def test_closing_asks_for_feedback_and_stores_the_answer(harness: Harness) -> None:
    reference = raised(harness, identity="confidential")
    harness.click(G1, reference, "Acknowledge")
    harness.settle()
    submit_form(harness, G1, reference, "Close", {"outcome": "partly_upheld", "outcome_text": "ok"})
    closing = next(
        m
        for m in harness.emulator.messages_in(REPORTER)
        if "would you speak up again" in json.dumps(m["blocks"])
    )
    before = len(harness.emulator.opened_views())
    harness.workspace.click_labelled(REPORTER, closing, "Give feedback")
    form = harness.next_view(REPORTER, before)
    answer = harness.workspace.submit_view(REPORTER, form, {"feedback": "maybe"})
    assert answer.status == 200
    assert concern_by_reference(harness, reference).feedback == "maybe"


def test_card_updates_arrive_in_order_exactly_once_through_failures(harness: Harness) -> None:
    reference = raised(harness, identity="open")
    harness.emulator.fail_next("chat.update", 3, 500)
    harness.emulator.fail_next("chat.postMessage", 2, 500)
    harness.emulator.fail_next("chat.update", 1, 429, retry_after=1)
    harness.click(G1, reference, "Acknowledge")
    harness.settle(timeout=30)
    submit_form(harness, G1, reference, "Update status", {"stage": "awaiting_information"})
    harness.settle(timeout=30)
    card = harness.card_for(reference)
    assert "Awaiting information" in json.dumps(card["blocks"])
    assert len(harness.cards_in(GUARDIAN_CHANNEL)) == 1
    thread = [
        m.get("text") or "" for m in harness.emulator.thread_replies(GUARDIAN_CHANNEL, card["ts"])
    ]
    lines = [t for t in thread if t.startswith(f"<@{G1}>")]
    assert lines == [
        f"<@{G1}> acknowledged this concern.",
        f"<@{G1}> set the status to awaiting information.",
    ]


def test_two_guardians_acknowledging_at_once_make_one_transition(harness: Harness) -> None:
    reference = raised(harness)
    start = threading.Barrier(2)

    def press(user: str) -> None:
        start.wait()
        harness.click(user, reference, "Acknowledge")

    threads = [threading.Thread(target=press, args=(user,)) for user in (G1, G2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert harness.emulator.wait_for(
        lambda: len(harness.ephemerals(G1)) + len(harness.ephemerals(G2)) >= 1, 5
    )
    harness.settle()
    with harness.context.db.transaction() as session:
        acks = session.scalar(
            select(func.count(ConcernEvent.id)).where(ConcernEvent.kind == "acknowledge")
        )
    assert acks == 1
    told = harness.ephemerals(G1) + harness.ephemerals(G2)
    assert len(told) == 1
    assert "already been acknowledged" in told[0] or "same moment" in told[0]


def test_referral_chain_and_overdue_flags(harness: Harness) -> None:
    reference = raised_through_safeguarding_form(
        harness,
        {
            "at_risk": "child",
            "immediate_danger": "no",
            "location": "Westfield",
            "description": "Child safeguarding worry",
            "identity": "open",
        },
    )
    member = SAFEGUARDING_MEMBERS[0]
    card = harness.card_for(reference)
    assert "Not recorded yet" in json.dumps(card["blocks"])
    assert "Record referral" in button_labels(card)
    answer = submit_form(
        harness,
        member,
        reference,
        "Record referral",
        {"authority": "Westfield Council", "referral_reference": "WC-991"},
    )
    assert answer is None
    card = harness.card_for(reference)
    assert "awaiting acknowledgement" in json.dumps(card["blocks"])
    assert "Westfield Council" not in json.dumps(card)
    harness.click(member, reference, "Referral acknowledged")
    harness.settle()
    concern = concern_by_reference(harness, reference)
    assert concern.referral_authority_enc is not None
    assert concern.referral_acknowledged_at is not None
    assert "Referral acknowledged" not in button_labels(harness.card_for(reference))
    with harness.context.db.transaction() as session:
        kinds = session.scalars(
            select(ConcernEvent.kind)
            .where(ConcernEvent.concern_id == concern.id)
            .order_by(ConcernEvent.id)
        ).all()
    assert kinds[-2:] == ["referral", "referral_acknowledged"]
