"""The HTTP side of the Web API emulator: a threaded server whose handler reads each request,
asks the emulator for an answer and writes it back (or, in an outage, writes nothing)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from abc import abstractmethod
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, cast

from bot.demo.simulator.api_params import ApiError, JsonDict

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """One HTTP answer, and the Slack error it carried (for the call record)."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    error: str | None = None


def json_reply(payload: JsonDict, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """An HTTP 200 JSON answer."""
    return Reply(status=200, body=json.dumps(payload).encode(), headers=headers)


def text_reply(status: int, text: str, error: str | None = None) -> Reply:
    """A plain-text answer, as Slack's edge gives for failures outside the API proper."""
    return Reply(status, text.encode(), TEXT_TYPE, error=error)


def error_reply(exc: ApiError) -> Reply:
    """`{"ok": false, "error": ...}` with any messages, at the status the error asks for."""
    payload: JsonDict = {"ok": False, "error": exc.error}
    if exc.messages:
        payload["response_metadata"] = {"messages": exc.messages}
    return Reply(exc.status, json.dumps(payload).encode(), headers=exc.headers, error=exc.error)


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request as it reached the emulator."""

    command: str
    target: str
    content_type: str
    authorization: str | None
    raw: bytes


class RequestAnswerer(Protocol):
    """What the handler needs from the emulator (the emulator's core declares it by this)."""

    @abstractmethod
    def answer_request(self, http: HttpRequest) -> Reply | None:
        """The answer to write, or None to close the connection without one."""
        ...


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    # Coming back after an outage binds the same port again at once.
    allow_reuse_address = True
    emulator: RequestAnswerer

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        """Stop listening and cut the connections clients keep open, as an outage would:
        otherwise a client holding one would still be answered by a Slack that is down."""
        super().server_close()
        with self._open_lock:
            still_open = list(self._open)
        for connection in still_open:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class ApiRequestHandler(BaseHTTPRequestHandler):
    server_version = "SlackWebApiEmulator/1.0"
    # As Slack: a client may keep its connection open between calls (every answer says its
    # length, so the next request can follow on the same connection).
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; on a connection kept open, Nagle's algorithm
    # would hold the body back until the client's delayed acknowledgement (40 ms a call).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines would drown test output; the emulator records calls instead.
        return

    def _handle(self) -> None:
        emulator = cast(ApiServer, self.server).emulator
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        reply = emulator.answer_request(
            HttpRequest(
                command=self.command,
                target=self.path,
                content_type=self.headers.get("Content-Type", ""),
                authorization=self.headers.get("Authorization"),
                raw=raw,
            )
        )
        if reply is None:
            # An outage: the client sees the connection close with no answer.
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up waiting (a hang longer than its timeout).
            self.close_connection = True
