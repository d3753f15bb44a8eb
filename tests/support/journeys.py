"""Steps of user journeys that several scenario files take: checking status, asking the
reporter through the card, pressing Reply, raising and submitting team forms, and the marker
text privacy tests type."""

from __future__ import annotations

import json
from typing import Any

from bot.slack.ids import Action
from tests.support.harness import GUARDIAN_CHANNEL, GUARDIANS, Harness
from tests.support.raise_helpers import command_answer, wait_for_new_view

GUARDIAN = GUARDIANS[0]


def status(harness: Harness, user: str, argument: str = "") -> dict[str, Any]:
    result = harness.workspace.slash_command(user, "/speakup", f"status {argument}".strip())
    assert result.elapsed < 3.0
    return command_answer(result)


def shown(answer: dict[str, Any]) -> str:
    return json.dumps(answer, ensure_ascii=False)


def ask_via_card(
    harness: Harness,
    reference: str,
    question: str,
    *,
    asker: str = GUARDIAN,
    channel: str = GUARDIAN_CHANNEL,
    cards: int = 1,
) -> None:
    """A team member asks the reporter a question from the concern's card, once `cards`
    cards have reached the team's channel."""
    assert harness.wait_for_cards(channel, cards)
    harness.settle()
    before = len(harness.emulator.opened_views())
    harness.click(asker, reference, "Ask reporter")
    form = wait_for_new_view(harness, asker, before)
    result = harness.submit(asker, form, {"message": question})
    assert result.status == 200 and result.json() is None, result.body


def receipt_button(answer: dict[str, Any], action: str) -> dict[str, Any] | None:
    """The button with `action` on a receipt page, if the page offers it."""
    for block in answer.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action:
                return dict(element)
    return None


def reply_button(answer: dict[str, Any]) -> dict[str, Any]:
    button = receipt_button(answer, Action.RECEIPT_REPLY)
    if button is None:
        raise AssertionError("no Reply button")
    return button


def press_on_receipt(harness: Harness, user: str, action: str, value: str) -> None:
    """Press a button on a receipt page: an ephemeral answer in the user's DM with the bot."""
    result = harness.workspace.click_button(
        user, action, value=value, channel_id=harness.emulator.im_channel_id(user)
    )
    assert result.status == 200


def click_reply(harness: Harness, user: str, value: str) -> None:
    """Press Reply on a receipt page."""
    press_on_receipt(harness, user, Action.RECEIPT_REPLY.value, value)


def raised(harness: Harness, **kwargs: Any) -> str:
    result = harness.raise_speak_up(**kwargs)
    assert result.json()["response_action"] == "update", result.body
    harness.settle()
    return harness.latest_reference()


def submit_form(
    harness: Harness, user: str, reference: str, label: str, values: dict[str, Any]
) -> dict[str, Any] | None:
    before = len(harness.emulator.opened_views())
    harness.click(user, reference, label)
    view = harness.next_view(user, before)
    answer = harness.workspace.submit_view(user, view, values)
    assert answer.status == 200
    harness.settle()
    body = answer.json()
    return body if isinstance(body, dict) else None


NO_CONTACT_REPORTER = "U0WHISTLE"


def secret(label: str) -> str:
    """Marker text typed into a field; searched for wherever it must never appear."""
    return f"zq-secret-{label}-7731"


def button_labels(message: dict[str, Any]) -> list[str]:
    """The labels of a card's buttons, in order."""
    return [
        element["text"]["text"]
        for block in message.get("blocks", [])
        if block.get("type") == "actions"
        for element in block["elements"]
    ]
