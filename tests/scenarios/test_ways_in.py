"""Every way in opens the same raise flow: /speakup, the shortcut, App Home and a DM."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.slack.ids import Action, Callback
from storage.models import ProcessedEvent
from tests.support.harness import GUARDIAN_CHANNEL, OTHER_STAFF, REPORTER, Harness
from tests.support.raise_helpers import (
    WAYS_IN,
    command_answer,
    confirmation_text,
    dm_welcome,
    open_home,
    open_raise_form,
    reference_in,
    speak_up_values,
    switch_to_safeguarding,
    wait_for_new_view,
)
from tests.support.raw_database import raw_database_text


@pytest.mark.parametrize("way", WAYS_IN)
def test_each_way_in_opens_the_raise_form_and_a_concern_arrives(harness: Harness, way: str) -> None:
    view = open_raise_form(harness, way)
    assert view["callback_id"] == Callback.RAISE_SPEAK_UP
    assert {"elements", "description", "identity"} <= {b.get("block_id") for b in view["blocks"]}

    result = harness.submit(REPORTER, view, speak_up_values(description=f"Raised via {way}"))
    reference = reference_in(result)
    assert harness.wait_for_cards(GUARDIAN_CHANNEL, 1)
    assert reference in harness.cards_in(GUARDIAN_CHANNEL)[0]["text"]


def test_speakup_safeguarding_opens_the_safeguarding_form(harness: Harness) -> None:
    before = len(harness.emulator.opened_views())
    assert harness.workspace.slash_command(REPORTER, "/speakup", "safeguarding").status == 200
    view = wait_for_new_view(harness, REPORTER, before)
    assert view["callback_id"] == Callback.RAISE_SAFEGUARDING


@pytest.mark.parametrize("text", ["help", "HELP", "  help  "])
def test_help_answers_privately_with_the_guide(harness: Harness, text: str) -> None:
    result = harness.workspace.slash_command(REPORTER, "/speakup", text)
    assert result.status == 200
    assert result.elapsed < 3.0
    answer = command_answer(result)
    assert "/speakup status" in answer["text"]
    assert "999" in answer["text"]
    assert answer.get("response_type") in (None, "ephemeral")
    assert harness.emulator.calls_to("views.open") == []


def test_an_unknown_word_gets_the_guide(harness: Harness) -> None:
    answer = command_answer(harness.workspace.slash_command(REPORTER, "/speakup", "frobnicate"))
    assert "don't know `frobnicate`" in answer["text"]
    assert "/speakup help" in answer["text"]
    assert harness.emulator.calls_to("views.open") == []


def test_the_form_switches_between_speak_up_and_safeguarding_in_one_view(
    harness: Harness,
) -> None:
    view = open_raise_form(harness, "command")
    safeguarding = switch_to_safeguarding(harness, view, REPORTER)
    assert safeguarding["callback_id"] == Callback.RAISE_SAFEGUARDING
    assert safeguarding["id"] == view["id"]
    before = len(harness.emulator.opened_views())
    result = harness.workspace.click_button(
        REPORTER, Action.SWITCH_TO_SPEAK_UP.value, view=safeguarding
    )
    assert result.status == 200
    back = wait_for_new_view(harness, REPORTER, before)
    assert back["callback_id"] == Callback.RAISE_SPEAK_UP
    assert len(harness.emulator.view_stack(REPORTER)) == 1  # updated in place, never stacked


def test_the_home_tab_is_general_information_with_a_raise_button(harness: Harness) -> None:
    home = open_home(harness, OTHER_STAFF)
    text = json.dumps(home)
    assert "Freedom to Speak Up" in text
    assert "999" in text
    assert "Anonymous, no contact" in text
    assert "Nothing has been raised from this account" in text
    buttons = [
        element
        for block in home["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [b["text"]["text"] for b in buttons] == ["Raise a concern"]


def test_a_dm_gets_a_friendly_welcome_and_is_never_kept(harness: Harness) -> None:
    private = "my manager shouted at me in front of patients on ward 9"
    assert harness.workspace.direct_message(REPORTER, private).status == 200
    welcome = dm_welcome(harness, REPORTER)
    text = json.dumps(welcome)
    assert "Raise a concern" in text
    assert "Freedom to Speak Up" in text
    assert "don't write your concern in this chat" in text
    assert private not in text
    assert private not in raw_database_text(harness.context.db)


def _processed_events(harness: Harness) -> int:
    with harness.context.db.transaction() as session:
        return int(session.scalar(select(func.count(ProcessedEvent.event_id))) or 0)


def _dm_event(harness: Harness, user: str, text: str) -> dict[str, object]:
    channel = harness.emulator.im_channel_id(user)
    stored = harness.emulator.post_as_user(channel, user, text)
    return {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": stored["ts"],
        "channel_type": "im",
    }


def test_slack_retries_and_non_person_messages_get_no_second_welcome(harness: Harness) -> None:
    event = _dm_event(harness, REPORTER, "hello")
    assert harness.workspace.event(event, event_id="Ev0FIRST").status == 200
    dm_welcome(harness, REPORTER, count=1)
    for retry in (1, 2):
        assert harness.workspace.event(event, event_id="Ev0FIRST", retry_num=retry).status == 200

    channel = harness.emulator.im_channel_id(REPORTER)
    ignored: list[dict[str, Any]] = [
        {"type": "message", "subtype": "message_changed", "channel": channel,
         "channel_type": "im", "message": {"text": "edited"}, "ts": "1.000001"},
        {"type": "message", "subtype": "bot_message", "bot_id": "B0OTHER", "channel": channel,
         "channel_type": "im", "text": "beep", "ts": "1.000002"},
        {"type": "message", "user": "U0BOT", "bot_id": "B0BOT", "channel": channel,
         "channel_type": "im", "text": "our own welcome", "ts": "1.000003"},
        {"type": "message", "user": REPORTER, "channel": "C0GENERAL",
         "channel_type": "channel", "text": "not a DM", "ts": "1.000004"},
    ]  # fmt: skip
    for number, other in enumerate(ignored):
        assert harness.workspace.event(other, event_id=f"Ev0IGNORED{number}").status == 200

    # A later, genuine DM is answered: by then the retries have had every chance to land.
    harness.workspace.event(_dm_event(harness, REPORTER, "anyone there?"), event_id="Ev0SECOND")
    dm_welcome(harness, REPORTER, count=2)
    time.sleep(0.5)
    assert len([m for m in harness.emulator.messages_in(REPORTER) if m.get("bot_id")]) == 2


def test_a_failed_welcome_is_sent_when_slack_retries(harness: Harness) -> None:
    event = _dm_event(harness, REPORTER, "hello")
    harness.emulator.fail_next("chat.postMessage", 1, status=500)
    assert harness.workspace.event(event, event_id="Ev0FLAKY").status == 200
    assert harness.emulator.wait_for(
        lambda: any(not c.ok for c in harness.emulator.calls_to("chat.postMessage")), 5
    )
    assert harness.emulator.wait_for(lambda: _processed_events(harness) == 0, 5)
    assert harness.workspace.event(event, event_id="Ev0FLAKY", retry_num=1).status == 200
    dm_welcome(harness, REPORTER, count=1)


def test_submitting_from_each_way_in_shows_the_reference_first(harness: Harness) -> None:
    view = open_raise_form(harness, "shortcut")
    result = harness.submit(REPORTER, view, speak_up_values(identity="open"))
    text = confirmation_text(result)
    assert reference_in(result) in text
    assert "acknowledge it by" in text
