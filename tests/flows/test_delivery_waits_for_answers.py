"""Background delivery steps aside while Slack is waiting for an answer."""

from __future__ import annotations

import threading
import time

import pytest

from bot.slack import delivery
from bot.slack.answering import Answering
from tests.support.harness import GUARDIAN_CHANNEL, Harness


def test_nothing_to_wait_for_when_no_request_is_being_answered() -> None:
    assert Answering().step_aside(at_most=30) is True


def test_gives_up_after_its_bound_while_a_request_is_answered() -> None:
    answering = Answering()
    with answering.request():
        assert answering.step_aside(at_most=0.01) is False
    assert answering.step_aside(at_most=0.01) is True


def test_a_waiting_step_resumes_when_the_last_request_is_answered() -> None:
    answering = Answering()
    outcome: list[bool] = []
    waiter = threading.Thread(target=lambda: outcome.append(answering.step_aside(at_most=30)))
    with answering.request():
        with answering.request():
            waiter.start()
            time.sleep(0.05)
        assert waiter.is_alive(), "one request is still being answered"
    waiter.join(5)
    assert not waiter.is_alive()
    assert outcome == [True]


def test_a_step_waits_for_a_quiet_spell_after_the_last_answer() -> None:
    answering = Answering()
    with answering.request():
        pass
    started = time.monotonic()
    assert answering.step_aside(at_most=5, quiet=0.2) is True
    assert time.monotonic() - started >= 0.15


def test_answers_in_quick_succession_keep_a_step_waiting_until_its_bound() -> None:
    answering = Answering()
    stream_over = threading.Event()

    def stream_of_answers() -> None:
        # One request after another with a short gap, as a busy client sends them.
        while not stream_over.is_set():
            with answering.request():
                time.sleep(0.01)
            time.sleep(0.005)

    sender = threading.Thread(target=stream_of_answers)
    sender.start()
    try:
        started = time.monotonic()
        assert answering.step_aside(at_most=0.5, quiet=0.1) is False
        assert time.monotonic() - started >= 0.45
    finally:
        stream_over.set()
        sender.join(5)
    assert answering.step_aside(at_most=5, quiet=0.1) is True


def test_the_outbox_waits_for_answers_in_flight_and_then_delivers(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "STEP_ASIDE", 30.0)
    with harness.context.answering.request():  # as if a slow answer were being worked out
        result = harness.raise_speak_up(description="Delivered once nobody waits", identity="open")
        assert result.status == 200
        harness.context.wake_outbox()
        time.sleep(0.5)
        assert harness.cards_in(GUARDIAN_CHANNEL) == []
    assert harness.wait_for_cards(GUARDIAN_CHANNEL, 1)
