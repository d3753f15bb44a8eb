"""The HTTP surface: Slack's events endpoint, health and readiness probes, and /metrics (WSGI).

Slack's requests are handled in the order that keeps a stranger's costs flat:
1. a body declared larger than MAX_BODY_BYTES is refused (413) before a byte of it is read,
   and a body of unknown length is read only up to one byte past the limit;
2. the signature is checked on the raw bytes exactly as received (401 when wrong or stale),
   before anything is parsed, so a forged body of any shape costs one HMAC;
3. only then is the body parsed (bot.runtime.form_body): a signed body that is not a request
   Slack sends is a 400, never a crash;
4. Bolt gets the parsed request, checks the signature again, and runs the listeners.
Anything that still goes wrong is our fault: a 500, logged with the exception's type only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse

from bot.runtime.context import Service
from bot.runtime.form_body import MalformedBody, parse_slack_body
from bot.runtime.logs import get_logger
from bot.runtime.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.runtime.metrics import Metrics
from storage.db import DatabaseUnavailable

log = get_logger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

EVENTS_PATH = "/slack/events"
# Slack's largest requests (a submitted modal with every field full) are some tens of KB.
MAX_BODY_BYTES = 1024 * 1024
# Slack signs the time it sent the request; older (or later) than this is a replay.
SIGNATURE_MAX_AGE = 300


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def signed_by_slack(
    secret: bytes, raw: bytes, timestamp: str | None, signature: str | None, now: float
) -> bool:
    """Slack's v0 signature over the raw body: HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    if not timestamp or not signature or not timestamp.isascii() or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > SIGNATURE_MAX_AGE:
        return False
    digest = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256)
    expected = ("v0=" + digest.hexdigest()).encode()
    return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))


class TooLarge(Exception):
    """The body is over MAX_BODY_BYTES."""


def read_body(environ: dict[str, Any], limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, or TooLarge without reading more than `limit` + 1 bytes of it."""
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    stream = environ.get("wsgi.input")
    if declared:
        length = int(declared) if declared.isdigit() else -1
        if length < 0:
            raise MalformedBody("bad Content-Length")
        if length > limit:
            raise TooLarge
        return stream.read(length) if stream is not None and length else b""
    raw = stream.read(limit + 1) if stream is not None else b""
    if len(raw) > limit:
        raise TooLarge
    return bytes(raw)


class SlackRequests:
    """POST /slack/events: size, signature, parse, then Bolt (see the module's docstring)."""

    def __init__(
        self,
        app: App,
        signing_secret: str,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self._secret = signing_secret.encode()
        self._metrics = metrics
        self._clock = clock

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        try:
            response, reached_bolt = self._answer(environ)
        except Exception as exc:  # our own fault; the text could quote a body, so the type only
            log.error("http.request_failed", error=type(exc).__name__)
            response, reached_bolt = BoltResponse(status=500, body=""), False
        if not reached_bolt and self._metrics is not None:
            # Bolt counts what it answers; these never got that far.
            self._metrics.request("unknown", response.status, time.perf_counter() - started)
        answer = WsgiHttpResponse(
            status=response.status, headers=response.headers, body=response.body
        )
        start_response(answer.status, answer.get_headers())
        return answer.get_body()

    def _answer(self, environ: dict[str, Any]) -> tuple[BoltResponse, bool]:
        try:
            raw = read_body(environ)
        except TooLarge:
            declared = str(environ.get("CONTENT_LENGTH") or "")
            log.warning("http.too_large", declared=declared if declared.isdigit() else "none")
            return BoltResponse(status=413, body={"error": "request too large"}), False
        except MalformedBody as exc:
            log.warning("http.malformed", problem=str(exc))
            return BoltResponse(status=400, body={"error": "bad request"}), False
        if not signed_by_slack(
            self._secret,
            raw,
            environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
            environ.get("HTTP_X_SLACK_SIGNATURE"),
            self._clock(),
        ):
            log.info("http.signature_refused")
            return BoltResponse(status=401, body={"error": "invalid request"}), False
        request = WsgiHttpRequest(environ)
        headers = request.get_headers()
        content_type = str(headers.get("content-type", "")).split(";")[0].strip().lower()
        try:
            body = parse_slack_body(raw, content_type)
            # Given a parsed body Bolt takes the request for a Socket Mode one; it is HTTP,
            # and the raw body stays with it so Bolt checks its signature again.
            bolt_request = BoltRequest(
                body=body, query=request.query_string, headers=headers, mode="socket_mode"
            )
        except (MalformedBody, ValueError, TypeError, AttributeError, KeyError) as exc:
            problem = str(exc) if isinstance(exc, MalformedBody) else type(exc).__name__
            log.warning("http.malformed", problem=problem)
            return BoltResponse(status=400, body={"error": "bad request"}), False
        bolt_request.raw_body = raw.decode("utf-8")
        bolt_request.mode = "http"
        return self.app.dispatch(bolt_request), True


def create_wsgi_app(
    context: Service,
    bolt_app: App | None,
    *,
    connected: Callable[[], bool] | None = None,
) -> WsgiApp:
    """The HTTP surface. Without a Bolt app (Socket Mode) only the probes and /metrics are
    served: Slack's requests arrive over the socket, and no signing secret guards an events
    endpoint then. `connected` tells readiness whether the Socket Mode connection is up."""
    slack = (
        SlackRequests(bolt_app, context.settings.slack_signing_secret or "", context.metrics)
        if bolt_app is not None
        else None
    )
    answering = context.answering
    db = context.db

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method == "GET":
            return _json(start_response, "200 OK", {"status": "ok"})
        if path == "/readyz" and method == "GET":
            try:
                db.ping()
            except DatabaseUnavailable:
                return _json(start_response, "503 Service Unavailable", {"status": "no database"})
            if connected is not None and not connected():
                return _json(
                    start_response, "503 Service Unavailable", {"status": "not connected to Slack"}
                )
            refused = context.identity.refused
            if refused is not None:
                return _json(
                    start_response,
                    "503 Service Unavailable",
                    {"status": "Slack refused the bot token", "error": refused},
                )
            return _json(start_response, "200 OK", {"status": "ready"})
        if path == "/metrics" and method == "GET":
            payload = context.metrics.exposition()
            start_response(
                "200 OK",
                [("Content-Type", METRICS_CONTENT_TYPE), ("Content-Length", str(len(payload)))],
            )
            return [payload]
        if slack is not None and path == EVENTS_PATH and method == "POST":
            with answering.request():
                result: Iterable[bytes] = slack(environ, start_response)
            return result
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return application
