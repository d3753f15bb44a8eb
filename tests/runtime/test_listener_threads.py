"""Which thread runs a listener: view submissions answer from their own request's thread."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_bolt import BoltRequest

from bot.runtime.bolt_app import ListenerExecutor
from bot.slack.answering import Answering
from tests.support.harness import REPORTER, Harness


def request_of(kind: str) -> BoltRequest:
    return BoltRequest(body={"type": kind}, mode="socket_mode")


@pytest.fixture
def executor() -> Any:
    listeners = ListenerExecutor(ThreadPoolExecutor(max_workers=2))
    yield listeners
    listeners.shutdown()


def thread_that_ran(executor: ListenerExecutor) -> int:
    return executor.submit(threading.get_ident).result(timeout=5)


def test_a_view_submission_runs_in_the_request_thread(executor: ListenerExecutor) -> None:
    executor.mark(request_of("view_submission"))
    assert thread_that_ran(executor) == threading.get_ident()


@pytest.mark.parametrize("kind", ["block_actions", "shortcut", "event_callback", "view_closed"])
def test_everything_else_runs_in_the_pool(executor: ListenerExecutor, kind: str) -> None:
    executor.mark(request_of(kind))
    assert thread_that_ran(executor) != threading.get_ident()


def test_only_the_marked_request_runs_inline(executor: ListenerExecutor) -> None:
    executor.mark(request_of("view_submission"))
    assert thread_that_ran(executor) == threading.get_ident()
    # A second piece of work for the same request (Bolt's lazy listeners) goes to the pool.
    assert thread_that_ran(executor) != threading.get_ident()
    # A view submission no listener took leaves nothing behind for the next request.
    executor.mark(request_of("view_submission"))
    executor.mark(request_of("block_actions"))
    assert thread_that_ran(executor) != threading.get_ident()


def test_an_inline_listener_error_reaches_its_future(executor: ListenerExecutor) -> None:
    def broken() -> None:
        raise RuntimeError("listener failed")

    executor.mark(request_of("view_submission"))
    future = executor.submit(broken)
    with pytest.raises(RuntimeError, match="listener failed"):
        future.result(timeout=0)


def test_in_the_app_a_submission_skips_the_pool_and_a_command_uses_it(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    pooled: list[object] = []
    submit = harness.listeners.submit

    def counting_submit(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        pooled.append(fn)
        return submit(fn, *args, **kwargs)

    monkeypatch.setattr(harness.listeners, "submit", counting_submit)
    view = harness.open_raise_modal()
    assert len(pooled) == 1  # /speakup acks, then opens the modal from the pool
    values = {"elements": ["other"], "description": "Answered in place", "identity": "open"}
    result = harness.submit(REPORTER, view, values)
    assert result.status == 200
    assert result.json()["response_action"] == "update"
    assert len(pooled) == 1


def test_a_submission_being_answered_holds_background_work_back() -> None:
    answering = Answering()
    executor = ListenerExecutor(ThreadPoolExecutor(max_workers=1), answering)
    try:
        executor.mark(request_of("view_submission"))
        busy = executor.submit(lambda: not answering.step_aside(at_most=0)).result(timeout=5)
        assert busy
        assert answering.step_aside(at_most=0)
    finally:
        executor.shutdown()
