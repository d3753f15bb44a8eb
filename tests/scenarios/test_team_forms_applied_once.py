"""Team forms over signed HTTP: a form sent twice (a double press, or Slack retrying) is
applied once, a form does not wait on Slack before its change is stored, and odd state in a
form gets a field error rather than a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.card_forms import events_of, open_form
from tests.support.harness import (
    GUARDIANS,
    REPORTER,
    SAFEGUARDING_MEMBERS,
    Harness,
    running_app,
)
from tests.support.raise_helpers import (
    concern_by_reference,
    post_view_submission,
    raise_safeguarding,
    raise_speak_up,
    wait_for_new_view,
)

G1 = GUARDIANS[0]


# --- a form sent twice (a double press, or Slack retrying) is applied once -----------------

SAFE = SAFEGUARDING_MEMBERS[0]


def reporter_dm_with(harness: Harness, text: str) -> dict[str, Any]:
    found = [m for m in harness.emulator.messages_in(REPORTER) if text in json.dumps(m)]
    assert found, f"no DM containing {text!r}"
    return found[-1]


@pytest.fixture
def harness_no_group_cache(database_url: str) -> Iterator[Harness]:
    """The app with the user-group cache off, as after the cache's time-to-live ran out."""
    with running_app(database_url, speakup_usergroup_cache_seconds=0) as running:
        yield running


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


# --- odd state in a team form gets a field error, not a 500 --------------------------------


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
