"""Defects found in review, each pinned by a test so it cannot come back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.demo.simulator.web_api import APP_ID, TEAM_ID
from bot.demo.simulator.workspace import HttpResult
from storage.models import AuditEntry, ConcernEvent
from tests.harness import (
    GUARDIANS,
    REPORTER,
    SAFEGUARDING_MEMBERS,
    Harness,
    running_app,
)
from tests.raise_support import (
    channel_posts,
    concern_by_reference,
    open_raise_form,
    reference_in,
    safeguarding_values,
    speak_up_values,
    switch_to_safeguarding,
    wait_for_new_view,
)
from tests.raw_database import raw_database_text

G1, G2 = GUARDIANS
SAFE = SAFEGUARDING_MEMBERS[0]


# --- helpers --------------------------------------------------------------------------------


def raise_speak_up(harness: Harness, identity: str = "confidential") -> str:
    result = harness.raise_speak_up(identity=identity)
    assert result.json()["response_action"] == "update", result.body
    harness.settle()
    return harness.latest_reference()


def raise_safeguarding(harness: Harness, identity: str = "confidential") -> str:
    view = open_raise_form(harness, "command")
    form = switch_to_safeguarding(harness, view, REPORTER)
    result = harness.submit(REPORTER, form, safeguarding_values(identity=identity))
    assert result.json()["response_action"] == "update", result.body
    harness.settle()
    return reference_in(result)


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


def post_view_submission(harness: Harness, user: str, view: dict[str, Any]) -> HttpResult:
    """A signed view_submission whose view (state included) is exactly `view`."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "speakup-sim"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "trigger_id": "1.2.3",
        "view": view,
        "response_urls": [],
    }
    body = urlencode({"payload": json.dumps(payload)})
    return harness.workspace.post_signed(body, "application/x-www-form-urlencoded")


def reporter_dm_with(harness: Harness, text: str) -> dict[str, Any]:
    found = [m for m in harness.emulator.messages_in(REPORTER) if text in json.dumps(m)]
    assert found, f"no DM containing {text!r}"
    return found[-1]


# 23:30 UTC on 10 June 2025 is 00:30 on 11 June in London (BST), on a server whose own
# zone is UTC, as in the project's container.
JUST_AFTER_MIDNIGHT_BST = datetime(2025, 6, 10, 23, 30, tzinfo=UTC)


@pytest.fixture
def harness_no_group_cache(database_url: str) -> Iterator[Harness]:
    """The app with the user-group cache off, as after the cache's time-to-live ran out."""
    with running_app(database_url, speakup_usergroup_cache_seconds=0) as running:
        yield running


# --- 1. privacy: the referral's free-text authority goes to the channel, audit and clear DB --


def test_referral_authority_free_text_stays_out_of_channels_and_audit(harness: Harness) -> None:
    reference = raise_safeguarding(harness)
    typed = "Northshire CC re Jamie Smith 14 Mill Rd"
    form = open_form(harness, SAFE, reference, "Record referral")
    answer = harness.workspace.submit_view(
        SAFE, form, {"authority": typed, "referral_reference": "NS-1"}
    )
    assert answer.status == 200 and answer.json() is None, answer.body
    harness.settle()

    posts = json.dumps(channel_posts(harness))
    with harness.context.db.transaction() as session:
        audit = json.dumps([e.detail for e in session.scalars(select(AuditEntry)).all()])
        summaries = " ".join(session.scalars(select(ConcernEvent.summary)).all())
    assert typed not in posts, "free text reached the safeguarding channel"
    assert typed not in audit, "free text reached the audit log"
    assert typed not in summaries, "free text stored in a clear timeline summary"
    assert typed not in raw_database_text(harness.context.db), "free text stored in clear"


# --- 2. domain: dates are judged on the UTC/server calendar, not Europe/London ------------------


def test_referral_made_today_in_london_just_after_midnight_bst_is_accepted(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = raise_safeguarding(harness)
    form = open_form(harness, SAFE, reference, "Record referral")
    late_evening_utc = JUST_AFTER_MIDNIGHT_BST
    monkeypatch.setattr(harness.context, "clock", lambda: late_evening_utc)
    answer = harness.workspace.submit_view(
        SAFE,
        form,
        {"authority": "Northshire County Council", "referral_date": "2025-06-11"},
    )
    assert answer.status == 200
    assert answer.json() is None, answer.body
    made_at = concern_by_reference(harness, reference).referral_made_at
    assert made_at is not None and made_at <= late_evening_utc, "referral recorded in the future"


def test_happened_today_in_london_just_after_midnight_bst_is_accepted(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = harness.open_raise_modal()
    monkeypatch.setattr(harness.context, "clock", lambda: JUST_AFTER_MIDNIGHT_BST)
    answer = harness.submit(REPORTER, view, speak_up_values(happened_on="2025-06-11")).json()
    assert answer["response_action"] == "update", answer


# --- 3. reliability: the team's and the reporter's forms are not idempotent ----------------------


@pytest.mark.parametrize(
    ("label", "values", "kind"),
    [
        ("Ask reporter", {"message": "Which nights were short?"}, "question"),
        ("Add note", {"note": "Spoke to the rota manager"}, "note"),
        ("Update status", {"stage": "investigating", "message": "Looking at it"}, "update_status"),
    ],
)
def test_a_team_form_sent_twice_is_applied_once(
    harness: Harness, label: str, values: dict[str, Any], kind: str
) -> None:
    reference = raise_speak_up(harness)
    harness.click(G1, reference, "Acknowledge")
    harness.settle()
    form = open_form(harness, G1, reference, label)
    first = harness.workspace.submit_view(G1, form, values)
    again = harness.workspace.submit_view(G1, form, values)  # same view id: a double press
    assert first.status == 200 and again.status == 200
    harness.settle()
    assert events_of(harness, reference, kind) == 1


def test_a_reporter_reply_sent_twice_is_recorded_once(harness: Harness) -> None:
    reference = raise_speak_up(harness, identity="anonymous_follow_up")
    form = open_form(harness, G1, reference, "Ask reporter")
    harness.workspace.submit_view(G1, form, {"message": "Which station?"})
    harness.settle()
    question = reporter_dm_with(harness, "Which station?")
    before = len(harness.emulator.opened_views())
    harness.workspace.click_labelled(REPORTER, question, "Reply")
    reply = wait_for_new_view(harness, REPORTER, before)
    for _ in range(2):
        assert harness.workspace.submit_view(REPORTER, reply, {"message": "Eastgate"}).status == 200
    harness.settle()
    assert events_of(harness, reference, "reporter_reply") == 1


def test_feedback_is_recorded_once(harness: Harness) -> None:
    reference = raise_speak_up(harness)
    harness.click(G1, reference, "Acknowledge")
    harness.settle()
    form = open_form(harness, G1, reference, "Close")
    harness.workspace.submit_view(G1, form, {"outcome": "not_upheld", "outcome_text": "x"})
    harness.settle()
    closing = reporter_dm_with(harness, "would you speak up again")
    before = len(harness.emulator.opened_views())
    harness.workspace.click_labelled(REPORTER, closing, "Give feedback")
    feedback = wait_for_new_view(harness, REPORTER, before)
    harness.workspace.submit_view(REPORTER, feedback, {"feedback": "yes"})
    harness.workspace.submit_view(REPORTER, feedback, {"feedback": "no"})
    assert concern_by_reference(harness, reference).feedback == "yes"
    assert events_of(harness, reference, "feedback") == 1


def test_team_form_does_not_depend_on_slack_before_commit(
    harness_no_group_cache: Harness,
) -> None:
    harness = harness_no_group_cache
    reference = raise_safeguarding(harness)
    form = open_form(harness, SAFE, reference, "Add note")
    harness.emulator.fail_next("usergroups.users.list", 5, 500)
    answer = harness.workspace.submit_view(SAFE, form, {"note": "Called the ward"})
    assert answer.status == 200
    assert answer.json() is None, answer.body
    assert events_of(harness, reference, "note") == 1


# --- 4. robustness: odd state in a team form gives a 500 instead of a field error -------------


@pytest.mark.parametrize(
    "state",
    [
        {"stage": {"stage": {"type": "radio_buttons", "selected_option": "investigating"}}},
        {"stage": ["investigating"]},
        {"stage": {"stage": {"type": "radio_buttons", "selected_option": {"value": ["x"]}}}},
    ],
    ids=["option-as-string", "block-as-list", "unhashable-value"],
)
def test_update_status_with_odd_state_answers_with_a_field_error(
    harness: Harness, state: dict[str, Any]
) -> None:
    reference = raise_speak_up(harness)
    harness.click(G1, reference, "Acknowledge")
    harness.settle()
    form = open_form(harness, G1, reference, "Update status")
    shown = {**form, "state": {"values": state}}
    answer = post_view_submission(harness, G1, shown)
    assert answer.status == 200, answer.status
    assert answer.json()["response_action"] == "errors"
    assert concern_by_reference(harness, reference).status == "acknowledged"


# --- 5. the reporter's typed text is rendered as live mrkdwn for guardians ----------------------


def test_typed_text_cannot_plant_links_in_the_details_view(harness: Harness) -> None:
    planted = "<https://evil.example/login|Trust intranet: confirm your account>"
    result = harness.raise_speak_up(description="Rota worry " + planted)
    assert result.json()["response_action"] == "update"
    harness.settle()
    reference = harness.latest_reference()
    before = len(harness.emulator.opened_views())
    harness.click(G1, reference, "View details")

    def shown() -> str:
        return json.dumps([c.params for c in harness.emulator.calls_to("views.update")])

    assert harness.emulator.wait_for(lambda: "Rota worry" in shown(), 5)
    assert len(harness.emulator.opened_views()) > before
    assert planted not in shown()
