"""Concerns are taken while Slack's Web API is down, slow or refusing the token.

The app starts with the Web API unreachable, hanging, or answering invalid_auth: every raise
submitted meanwhile is stored and answered within Slack's 3 s, a button whose modal cannot be
opened gets a private word (or a log line), and once the API recovers every card is delivered
exactly once. Requests never wait on auth.test.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from bot.demo.simulator.web_api import SlackWebApiEmulator
from bot.demo.simulator.workspace import SlackWorkspace
from bot.domain.taxonomy import ConcernKind
from bot.runtime.context import build_context
from bot.runtime.server import start_http
from bot.slack.status_answers import home_for
from handlers.raise_flow import raise_view
from storage.models import Concern
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    REPORTER,
    SIGNING_SECRET,
    Harness,
    TrackingExecutor,
    readiness,
    seed_directory,
)
from tests.support.harness import (
    harness_settings as settings_for,
)

ACK_LIMIT = 3.0
RAISE_BUTTON = "Raise a concern"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def app_while_slack_is(database_url: str, state: str) -> Iterator[Harness]:
    """The app started while the Web API is `state`: "unreachable" (nothing listening),
    "hang" or "refuse_token". `recover(harness)` makes it well again."""
    port = free_port()
    emulator = SlackWebApiEmulator(port=port)
    seed_directory(emulator)
    if state != "unreachable":
        emulator.start()
        emulator.set_outage(state)
    settings = settings_for(database_url, f"http://127.0.0.1:{port}/api/")
    context = build_context(settings)
    context.db.upgrade()
    listeners = TrackingExecutor()
    server = start_http(context, listener_executor=listeners)
    workspace = SlackWorkspace(f"{server.url}/slack/events", SIGNING_SECRET, emulator)
    try:
        yield Harness(context, server, emulator, workspace, listeners)
    finally:
        server.stop()
        emulator.set_outage(None)
        emulator.stop()
        context.db.dispose()


def recover(harness: Harness) -> None:
    harness.emulator.set_outage(None)
    harness.emulator.start()  # no-op if it was already listening


def raise_without_slack(harness: Harness, number: int) -> float:
    """Submit a speak-up form (built here: Slack cannot open one now); seconds to the answer."""
    view = raise_view(harness.context, ConcernKind.SPEAK_UP)
    view["id"] = f"V0OUTAGE{number}"
    values = {
        "elements": ["worker_safety"],
        "description": f"Concern number {number} raised while Slack is unwell.",
        "identity": "confidential",
    }
    answer = harness.workspace.submit_view(REPORTER, view, values)
    assert answer.status == 200, answer.body
    assert answer.json()["response_action"] == "update", answer.body
    return answer.elapsed


def stored(harness: Harness) -> int:
    with harness.context.db.transaction() as session:
        return int(session.scalar(select(func.count(Concern.id))) or 0)


@pytest.mark.parametrize("state", ["unreachable", "hang", "refuse_token"])
def test_concerns_are_taken_while_slack_is_down_and_delivered_once_it_recovers(
    database_url: str, state: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with app_while_slack_is(database_url, state) as harness:
        elapsed = [raise_without_slack(harness, number) for number in range(3)]
        assert max(elapsed) < ACK_LIMIT, elapsed
        assert stored(harness) == 3

        # A button whose modal Slack cannot open (here on the Home tab, which has no response
        # URL): answered at once; the person cannot be told through a Web API that is down,
        # so a log line says so.
        home = {"id": "V0HOME", **home_for(harness.context, REPORTER)}
        press = harness.workspace.click_labelled(REPORTER, home, RAISE_BUTTON)
        assert press.status == 200 and press.elapsed < ACK_LIMIT
        assert harness.emulator.wait_for(lambda: "slack.person_not_told" in caplog.text, 10)

        if state == "refuse_token":
            status, body = readiness(harness.server.url)
            assert status == 503 and body["error"] == "invalid_auth"
        assert not harness.cards_in(GUARDIAN_CHANNEL)

        recover(harness)
        harness.settle(timeout=30)
        cards = harness.cards_in(GUARDIAN_CHANNEL)
        assert len(cards) == 3
        keys = [card["metadata"]["event_payload"]["key"] for card in cards]
        assert len(set(keys)) == 3  # each concern's card exactly once
        if state == "refuse_token":
            # The identity is rechecked in the background: readiness recovers by itself.
            assert harness.emulator.wait_for(lambda: readiness(harness.server.url)[0] == 200, 10)


def test_requests_never_call_auth_test(harness: Harness) -> None:
    before = len(harness.emulator.calls_to("auth.test"))
    harness.raise_speak_up()
    harness.workspace.app_home_opened(REPORTER)
    harness.settle()
    assert len(harness.emulator.calls_to("auth.test")) == before


def test_a_hanging_web_api_costs_a_button_at_most_the_request_timeout(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    harness.emulator.set_outage("hang", methods=["views.open"])
    result = harness.workspace.slash_command(REPORTER, "/speakup", "")
    assert result.status == 200 and result.elapsed < 1.0  # acknowledged before the call
    assert harness.emulator.wait_for(
        lambda: any(
            "did not answer in time" in str(call.params.get("text"))
            for call in harness.emulator.calls_to("response_url")
        ),
        4.0,  # views.open gives up after 2 s, not slack_sdk's default 30
    )
    harness.emulator.set_outage(None)
