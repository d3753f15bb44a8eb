"""The HTTP surface: Slack's events endpoint plus health and readiness probes (WSGI)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest

from bot.runtime.form_body import form_fields, interaction_payload
from bot.runtime.readiness import Readiness
from bot.slack.answering import Answering
from storage.db import Database, DatabaseUnavailable

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

EVENTS_PATH = "/slack/events"


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


class SlackRequests(SlackRequestHandler):
    """Bolt's WSGI handler, with interaction payloads decoded by bot.runtime.form_body.

    The request is then handed to Bolt as the HTTP request it is: the raw body stays with it,
    and Bolt checks its signature against that body exactly as for any other.
    """

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        raw = request.get_body()
        headers = request.get_headers()
        content_type = str(headers.get("content-type", "")).split(";")[0].strip().lower()
        payload = interaction_payload(raw, content_type) or form_fields(raw, content_type)
        if payload is None:
            return self.app.dispatch(
                BoltRequest(body=raw, query=request.query_string, headers=headers)
            )
        # Given a parsed body Bolt takes the request for a Socket Mode one; it is HTTP.
        bolt_request = BoltRequest(
            body=payload, query=request.query_string, headers=headers, mode="socket_mode"
        )
        bolt_request.raw_body = raw
        bolt_request.mode = "http"
        return self.app.dispatch(bolt_request)


def create_wsgi_app(
    bolt_app: App | None,
    db: Database,
    answering: Answering | None = None,
    *,
    connected: Callable[[], bool] | None = None,
    readiness: Readiness | None = None,
) -> WsgiApp:
    """The HTTP surface. Without a Bolt app (Socket Mode) only the probes are served: Slack's
    requests arrive over the socket, and no signing secret guards an events endpoint then.
    `connected` tells readiness whether the Socket Mode connection is up; `readiness` adds
    Slack's word on the token and whether delivery is stalled (bot.runtime.readiness)."""
    slack = SlackRequests(bolt_app, path=EVENTS_PATH) if bolt_app is not None else None
    answering = answering or Answering()

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
            extra: dict[str, Any] = {}
            if readiness is not None:
                refused = readiness.refused()
                if refused is not None:
                    return _json(start_response, "503 Service Unavailable", {"status": refused})
                extra = readiness.delivery()
            return _json(start_response, "200 OK", {"status": "ready", **extra})
        if slack is not None and path == EVENTS_PATH and method == "POST":
            with answering.request():
                result: Iterable[bytes] = slack(environ, start_response)
            return result
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return application
