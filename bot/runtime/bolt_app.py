"""Builds the Bolt app from settings; the only module that knows how Bolt is configured."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import structlog
from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.runtime.clients import build_request_client
from bot.runtime.clients import build_web_client as build_web_client
from bot.runtime.context import Service
from bot.runtime.listener_errors import handle_listener_error
from bot.runtime.logs import get_logger
from bot.runtime.metrics import Metrics, name_label, surface_of
from bot.slack.answering import Answering
from bot.slack.replies import tell

log = get_logger(__name__)


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


# What a call to Slack's Web API can raise: Slack's error answers, the client's own, the network.
SLACK_FAILURES = (SlackApiError, SlackClientError, OSError)
SLACK_DID_NOT_ANSWER = (
    "Slack did not answer in time, so that could not be opened. Nothing was lost: "
    "please try again in a moment."
)
# Requests a person made by pressing or typing something, who is waiting to see a result.
_PERSON_WAITING = frozenset({"block_actions", "shortcut", "message_action"})


def slack_error(error: BaseException) -> str | None:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"http_{error.response.status_code}")
    return None


def tell_slack_did_not_answer(body: dict[str, Any], context: BoltContext) -> None:
    """A listener's call to Slack (most often views.open on a button's short-lived trigger)
    failed after the request was acknowledged: say so privately, so the press is not met with
    silence. Through the response URL where there is one (it is not the Web API), otherwise
    an ephemeral message or a DM; if even that fails, the log is all that is left."""
    kind = "command" if "command" in body else str(body.get("type"))
    if kind != "command" and kind not in _PERSON_WAITING:
        return
    action = ((body.get("actions") or [{}])[0] or {}).get("action_id") or body.get("callback_id")
    try:
        if context.response_url and context.respond is not None:
            context.respond(
                text=SLACK_DID_NOT_ANSWER, response_type="ephemeral", replace_original=False
            )
        elif isinstance(body.get("user"), dict):
            tell(context.client, body, SLACK_DID_NOT_ANSWER)
        else:
            raise LookupError("nowhere to answer")
    except (*SLACK_FAILURES, LookupError) as exc:
        log.error(
            "slack.person_not_told",
            surface=kind,
            action=name_label(action),
            error=type(exc).__name__,
        )


# Set once Bolt has produced the request's answer (HTTP or Socket Mode).
ANSWERED = "speakup_answered"


def _wait_until_answered(context: BoltContext) -> None:
    """Hold an acked listener's error handling until Bolt has answered the request.

    Bolt's runner, after an acked listener raises, puts None back in place of the ack it is
    still polling for (every 10 ms); a listener that fails within those 10 ms would turn a
    pressed button's 200 into a 404 three seconds later, and Slack would show its own error
    on top of ours. Waiting here lets the poller see the ack first.
    """
    answered, answering_thread = context.get(ANSWERED) or (None, None)
    # A view submission's listener runs in the answering thread itself: nothing to wait for.
    if isinstance(answered, threading.Event) and answering_thread != threading.get_ident():
        answered.wait(timeout=5)


class MeasuredApp(App):
    """Bolt's app, counting every request it answers (over HTTP or Socket Mode) by surface
    and outcome, with the time it took."""

    metrics: Metrics | None = None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        answered = threading.Event()
        req.context[ANSWERED] = (answered, threading.get_ident())
        try:
            response = super().dispatch(req)
        finally:
            answered.set()
        if self.metrics is not None:
            self.metrics.request(
                surface_of(req.body), response.status, time.perf_counter() - started
            )
        return response


def build_bolt_app(context: Service, listener_executor: Executor | None = None) -> App:
    """The Bolt app with every listener registered; signature checks always on."""
    from handlers import register_listeners

    executor = ListenerExecutor(
        listener_executor or ThreadPoolExecutor(max_workers=10), context.answering
    )
    identity = context.identity

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        # Bolt passes arguments by these names (so a plain function, not a bound method).
        return identity.authorize(enterprise_id, team_id)

    app = MeasuredApp(
        signing_secret=context.settings.slack_signing_secret or "socket-mode-unused",
        # Calls made while answering give up within Slack's 3 s (bot.runtime.clients); each
        # request's client is a copy of this one with the token `authorize` gives it.
        client=build_request_client(context.settings, with_token=False),
        # Requests are authorised from the identity learned at start-up, never by waiting on
        # auth.test, so Slack's Web API being down does not stop the bot taking concerns.
        authorize=authorize,
        # Answer Slack as soon as a listener acks; slow work continues in the worker thread.
        process_before_response=False,
        logger=logging.getLogger("speakup.bolt"),
        listener_executor=executor,
    )
    app.metrics = context.metrics

    @app.error
    def unhandled(
        error: Exception,
        body: dict[str, Any],
        context: BoltContext,
        response: BoltResponse | None,
    ) -> BoltResponse | None:
        if response is None:
            _wait_until_answered(context)
        if isinstance(error, SLACK_FAILURES):
            # Only the type (and Slack's error code): an exception's text can quote what a
            # person typed.
            log.error("slack.listener_failed", error=type(error).__name__, slack=slack_error(error))
            tell_slack_did_not_answer(body, context)
            return None
        return handle_listener_error(error, body, context.client, response)

    @app.middleware
    def choose_listener_thread(request: BoltRequest, next: Callable[[], BoltResponse]) -> Any:
        executor.mark(request)
        return next()

    register_listeners(app, context)
    return app
