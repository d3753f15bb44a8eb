"""Builds the Bolt app from settings; the only module that knows how Bolt is configured."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import structlog
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.runtime.context import Service
from bot.runtime.listener_errors import handle_listener_error
from bot.runtime.settings import Settings
from bot.slack.answering import Answering


def build_web_client(settings: Settings) -> WebClient:
    """A Web API client on the configured base URL (GovSlack and the emulator use others)."""
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)


class ListenerExecutor(Executor):
    """Bolt's listener pool, except that a view submission's listener runs in its request's
    own thread.

    A view submission's answer depends on all of its work (field errors, or the confirmation
    once the concern is committed), so its listener always finishes before it acks and a
    worker thread gains nothing. Handing it over costs a thread switch, and Bolt then polls
    for the ack every 10 ms. Everything else (commands, buttons, events) acks first and goes on
    in the pool, so slow Slack calls after the ack never hold up the answer.
    """

    def __init__(self, pool: Executor, answering: Answering | None = None) -> None:
        self._pool = pool
        self._answering = answering or Answering()
        self._here = threading.local()

    def mark(self, request: BoltRequest) -> None:
        """Called for every request before its listener is submitted, in the same thread."""
        self._here.run_inline = request.body.get("type") == "view_submission"

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if not getattr(self._here, "run_inline", False):
            return self._pool.submit(_fresh_log_context, fn, *args, **kwargs)
        self._here.run_inline = False  # one listener per request; Bolt's lazy work stays pooled
        future: Future[Any] = Future()
        try:
            # Counted here too, for Socket Mode, where no HTTP request is being answered.
            with self._answering.request():
                future.set_result(_fresh_log_context(fn, *args, **kwargs))
        except BaseException as exc:  # Bolt's runner handles listener errors itself
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _fresh_log_context(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    # Pool threads are reused: a reference bound while handling one request must not be
    # logged against the next.
    structlog.contextvars.clear_contextvars()
    return fn(*args, **kwargs)


def build_bolt_app(context: Service, listener_executor: Executor | None = None) -> App:
    """The Bolt app with every listener registered; signature checks always on."""
    from handlers import register_listeners

    executor = ListenerExecutor(
        listener_executor or ThreadPoolExecutor(max_workers=10), context.answering
    )
    app = App(
        signing_secret=context.settings.slack_signing_secret or "socket-mode-unused",
        client=build_web_client(context.settings),
        # Answer Slack as soon as a listener acks; slow work continues in the worker thread.
        process_before_response=False,
        # Slack being down at start-up must not stop the bot from taking concerns.
        token_verification_enabled=False,
        logger=logging.getLogger("speakup.bolt"),
        listener_executor=executor,
    )

    @app.middleware
    def choose_listener_thread(request: BoltRequest, next: Callable[[], BoltResponse]) -> Any:
        executor.mark(request)
        return next()

    app.error(handle_listener_error)
    register_listeners(app, context)
    return app
