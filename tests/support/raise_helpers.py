"""Helpers for the raise-experience tests: each way in, each form, what reached Slack."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from bot.demo.simulator.web_api import APP_ID, TEAM_ID
from bot.demo.simulator.workspace import HttpResult
from bot.slack.ids import Action, Callback
from storage.models import Concern
from tests.support.harness import REPORTER, Harness

WAYS_IN = ("command", "shortcut", "home", "dm")
RECEIPT = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")

# 23:30 UTC on 10 June 2025 is 00:30 on 11 June in London (BST), on a server whose own
# zone is UTC, as in the project's container.
JUST_AFTER_MIDNIGHT_BST = datetime(2025, 6, 10, 23, 30, tzinfo=UTC)


def wait_for_new_view(harness: Harness, user: str, before: int) -> dict[str, Any]:
    """The first modal opened for `user` after `before` had been sent."""

    def opened() -> list[dict[str, Any]]:
        sent = harness.emulator.opened_views()[before:]
        return [v.view for v in sent if v.user_id == user]

    assert harness.emulator.wait_for(lambda: bool(opened()), 5), "no view opened"
    return opened()[0]


def dm_welcome(harness: Harness, user: str, count: int = 1) -> dict[str, Any]:
    """The bot's `count`-th welcome in its DM with `user`."""

    def welcomes() -> list[dict[str, Any]]:
        return _welcomes(harness, user)

    assert harness.emulator.wait_for(lambda: len(welcomes()) >= count, 5), "no DM welcome"
    return welcomes()[count - 1]


def open_home(harness: Harness, user: str) -> dict[str, Any]:
    publishes = len(harness.emulator.calls_to("views.publish"))
    result = harness.workspace.app_home_opened(user)
    assert result.status == 200
    assert harness.emulator.wait_for(
        lambda: len(harness.emulator.calls_to("views.publish")) > publishes, 5
    ), "Home tab not published"
    home = harness.emulator.home_view(user)
    assert home is not None
    return home


def open_raise_form(harness: Harness, way: str, user: str = REPORTER) -> dict[str, Any]:
    """Open the raise modal the way a person would, and return it as Slack shows it."""
    before = len(harness.emulator.opened_views())
    if way == "command":
        result = harness.workspace.slash_command(user, "/speakup", "")
    elif way == "shortcut":
        result = harness.workspace.global_shortcut(user, Callback.RAISE_SHORTCUT.value)
    elif way == "home":
        result = harness.workspace.click_labelled(user, open_home(harness, user), "Raise a concern")
    elif way == "dm":
        seen = len(_welcomes(harness, user))  # counted before: the reply can be quick
        assert harness.workspace.direct_message(user, "hello, can I talk to someone?").status == 200
        welcome = dm_welcome(harness, user, count=seen + 1)
        result = harness.workspace.click_labelled(user, welcome, "Raise a concern")
    else:
        raise ValueError(way)
    assert result.status == 200, result.body
    assert result.elapsed < 3.0
    return wait_for_new_view(harness, user, before)


def _welcomes(harness: Harness, user: str) -> list[dict[str, Any]]:
    """The bot's welcome replies (not the concern updates the outbox also sends there)."""
    return [
        m
        for m in harness.emulator.messages_in(user)
        if m.get("bot_id") and Action.OPEN_RAISE.value in json.dumps(m.get("blocks") or [])
    ]


def switch_to_safeguarding(harness: Harness, view: dict[str, Any], user: str) -> dict[str, Any]:
    before = len(harness.emulator.opened_views())
    result = harness.workspace.click_button(user, Action.SWITCH_TO_SAFEGUARDING.value, view=view)
    assert result.status == 200
    return wait_for_new_view(harness, user, before)


def speak_up_values(
    description: str = "Night rota leaves one paramedic alone.",
    identity: str = "confidential",
    **extra: Any,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "elements": ["worker_safety"],
        "description": description,
        "identity": identity,
    }
    values.update(extra)
    return values


def safeguarding_values(
    description: str = "A child at the address looked neglected and frightened.",
    identity: str = "confidential",
    danger: str = "no",
    **extra: Any,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "at_risk": "child",
        "immediate_danger": danger,
        "location": "Flat 2, Mill Road",
        "description": description,
        "identity": identity,
    }
    values.update(extra)
    return values


def raise_via(
    harness: Harness,
    *,
    way: str = "command",
    user: str = REPORTER,
    safeguarding: bool = False,
    values: dict[str, Any] | None = None,
) -> HttpResult:
    view = open_raise_form(harness, way, user)
    if safeguarding:
        view = switch_to_safeguarding(harness, view, user)
    filled = values or (safeguarding_values() if safeguarding else speak_up_values())
    result = harness.submit(user, view, filled)
    assert result.status == 200, result.body
    return result


def confirmation_text(result: HttpResult) -> str:
    answer = result.json()
    assert answer["response_action"] == "update", answer
    return json.dumps(answer["view"])


def receipt_in(result: HttpResult) -> str:
    found = RECEIPT.search(confirmation_text(result))
    assert found, "no receipt shown"
    return found.group(0)


def reference_and_receipt(result: HttpResult) -> tuple[str, str]:
    """The reference and the receipt a no-contact concern's confirmation shows."""
    return reference_in(result), receipt_in(result)


def concern_by_reference(harness: Harness, reference: str) -> Concern:
    with harness.context.db.transaction() as session:
        concern = session.scalars(select(Concern).where(Concern.reference == reference)).one()
        session.expunge(concern)
    return concern


def reference_in(result: HttpResult) -> str:
    found = re.search(r"\b(?:SU|SG)-[0-9A-Z]{6}\b", confirmation_text(result))
    assert found, "no reference shown"
    return found.group(0)


def every_view_sent(harness: Harness) -> list[dict[str, Any]]:
    """Every modal and Home tab the app sent, as it sent them."""
    views = [sent.view for sent in harness.emulator.opened_views()]
    views += [call.params["view"] for call in harness.emulator.calls_to("views.publish")]
    return views


def channel_posts(harness: Harness) -> list[dict[str, Any]]:
    """Every message the app posted or updated outside DMs."""
    posts = []
    for call in harness.emulator.calls:
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            channel = str(call.params.get("channel", ""))
            if channel[:1] in ("C", "G"):
                posts.append(call.params)
    return posts


def command_answer(result: HttpResult) -> dict[str, Any]:
    """A slash command's private answer: Bolt sends bare text as text/plain, else JSON."""
    assert result.status == 200, result.body
    parsed = result.json()
    if isinstance(parsed, dict):
        return parsed
    return {"text": result.body}


def post_view_submission(
    harness: Harness, user: str, view: dict[str, Any], name: str | None = None
) -> HttpResult:
    """A signed view_submission whose view (state included) is exactly `view`."""
    name = name or user.lower()
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "speakup-sim"},
        "user": {"id": user, "username": name, "name": name, "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "trigger_id": "1.2.3",
        "view": view,
        "response_urls": [],
    }
    body = urlencode({"payload": json.dumps(payload)})
    return harness.workspace.post_signed(body, "application/x-www-form-urlencoded")


def post_submission(harness: Harness, view: dict[str, Any], **changes: Any) -> HttpResult:
    """The reporter's view_submission built by hand, so its state can be anything a forger
    might send."""
    shown = {**view, "id": f"V{uuid.uuid4().hex[:10].upper()}", **changes}
    return post_view_submission(harness, REPORTER, shown, name="riley")


def raise_speak_up(harness: Harness, identity: str = "confidential") -> str:
    """Raise a speak-up concern by /speakup, let its card arrive, and return its reference."""
    result = harness.raise_speak_up(identity=identity)
    assert result.json()["response_action"] == "update", result.body
    harness.settle()
    return harness.latest_reference()


def raise_safeguarding(harness: Harness, identity: str = "confidential") -> str:
    """Raise a safeguarding concern, let its card arrive, and return its reference."""
    view = open_raise_form(harness, "command")
    form = switch_to_safeguarding(harness, view, REPORTER)
    result = harness.submit(REPORTER, form, safeguarding_values(identity=identity))
    assert result.json()["response_action"] == "update", result.body
    harness.settle()
    return reference_in(result)
