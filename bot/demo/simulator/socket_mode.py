"""Slack's side of Socket Mode: a WebSocket the app connects to, and envelopes sent over it.

The Web API emulator hands this server's URL to `apps.connections.open`; the app (through
slack_sdk's built-in client) connects, gets `hello`, and from then on each request Slack
would have POSTed arrives as an envelope that the app must acknowledge by its id. Plain
`ws://` on a local port, as slack_sdk allows for testing; RFC 6455 framing, text frames only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import socketserver
import struct
import threading
import uuid
from concurrent.futures import Future
from functools import partial
from typing import Any

from bot.demo.simulator.background import BackgroundServer
from bot.demo.simulator.identity import APP_ID

JsonDict = dict[str, Any]

_ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA


def _frame(opcode: int, payload: bytes) -> bytes:
    """A final, unmasked frame (servers never mask)."""
    head = bytes([0x80 | opcode])
    if len(payload) < 126:
        return head + bytes([len(payload)]) + payload
    if len(payload) < 1 << 16:
        return head + bytes([126]) + struct.pack("!H", len(payload)) + payload
    return head + bytes([127]) + struct.pack("!Q", len(payload)) + payload


class _Connection(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        if self.server.endpoint.refusing:
            self.wfile.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
            return
        if not self._handshake():
            return
        endpoint = self.server.endpoint
        endpoint._attach(self)
        try:
            self.send_json(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": APP_ID},
                    "debug_info": {"host": "speakup-emulator"},
                }
            )
            while True:
                opcode, payload = self._read_message()
                if opcode == _CLOSE:
                    self._send(_frame(_CLOSE, payload[:2]))
                    return
                if opcode == _PING:
                    self._send(_frame(_PONG, payload))
                elif opcode == _TEXT:
                    endpoint._received(json.loads(payload.decode("utf-8")))
        except (ConnectionError, OSError, ValueError):
            return
        finally:
            endpoint._detach(self)

    def _handshake(self) -> bool:
        request_line = self.rfile.readline(8192)
        headers: dict[str, str] = {}
        while True:
            line = self.rfile.readline(8192).decode("latin-1").strip()
            if not line:
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        key = headers.get("sec-websocket-key")
        if not request_line.startswith(b"GET ") or not key:
            self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return False
        accept = base64.b64encode(hashlib.sha1((key + _ACCEPT_GUID).encode()).digest()).decode()  # noqa: S324 (the protocol's own hash)
        self.wfile.write(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        self.wfile.flush()
        return True

    def _read_exactly(self, count: int) -> bytes:
        data = self.rfile.read(count)
        if len(data) < count:
            raise ConnectionError("socket closed")
        return data

    def _read_message(self) -> tuple[int, bytes]:
        """One whole message, continuation frames joined."""
        opcode, parts = 0, []
        while True:
            first, second = self._read_exactly(2)
            opcode = opcode or first & 0x0F
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._read_exactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._read_exactly(8))
            mask = self._read_exactly(4) if second & 0x80 else b"\0\0\0\0"
            data = self._read_exactly(length)
            parts.append(bytes(byte ^ mask[i % 4] for i, byte in enumerate(data)))
            if first & 0x80:
                return opcode, b"".join(parts)

    def _send(self, data: bytes) -> None:
        with self.server.send_lock:
            try:
                self.wfile.write(data)
                self.wfile.flush()
            except ValueError as closed:  # the stream was closed under us
                raise ConnectionError("socket closed") from closed

    def send_json(self, message: JsonDict) -> None:
        self._send(_frame(_TEXT, json.dumps(message).encode("utf-8")))

    def disconnect(self) -> None:
        try:
            self._send(_frame(_CLOSE, struct.pack("!H", 1001)))
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:  # already gone (ConnectionError is an OSError)
            pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    endpoint: SocketModeEndpoint
    send_lock: threading.Lock


class SocketModeEndpoint(BackgroundServer):
    """Sends envelopes to the connected app and returns its acknowledgements."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__("socket-mode-emulator")
        self._host = host
        self._lock = threading.Lock()
        self._connected = threading.Condition(self._lock)
        self._connection: _Connection | None = None
        self._waiting: dict[str, Future[JsonDict]] = {}
        self.connections = 0
        self.refusing = False

    # -- lifecycle -------------------------------------------------------------------

    def _bind(self) -> _Server:
        server = _Server((self._host, 0), _Connection)
        server.endpoint = self
        server.send_lock = threading.Lock()
        return server

    def stop(self) -> None:
        with self._lock:
            connection = self._connection
        if connection is not None:
            connection.disconnect()
        super().stop()

    @property
    def url(self) -> str:
        """What `apps.connections.open` answers with."""
        host, port = self._address()
        return f"ws://{host}:{port}/link/?ticket={uuid.uuid4()}&app_id={APP_ID}"

    # -- the app's side ------------------------------------------------------------------

    def wait_for_connection(self, timeout: float = 10.0) -> bool:
        with self._connected:
            return self._connected.wait_for(lambda: self._connection is not None, timeout)

    def send(
        self,
        kind: str,
        payload: JsonDict,
        *,
        timeout: float = 5.0,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> JsonDict | None:
        """Send one envelope (`slash_commands`, `interactive` or `events_api`); the app's
        acknowledgement, or None if none came within `timeout` (Slack would retry or show an
        error)."""
        envelope_id = str(uuid.uuid4())
        answer: Future[JsonDict] = Future()
        with self._lock:
            connection = self._connection
            if connection is None:
                raise ConnectionError("no app is connected over Socket Mode")
            self._waiting[envelope_id] = answer
        connection.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": retry_attempt,
                "retry_reason": retry_reason,
            }
        )
        try:
            return answer.result(timeout)
        except TimeoutError:
            return None
        finally:
            with self._lock:
                self._waiting.pop(envelope_id, None)

    def drop_connection(self) -> None:
        """Close the app's connection and refuse new ones, as during a Slack outage."""
        with self._lock:
            self.refusing = True
        while True:
            with self._lock:
                connection = self._connection
            if connection is None:
                return
            connection.disconnect()
            with self._connected:
                self._connected.wait_for(partial(self._replaced, connection), 5)

    def _replaced(self, connection: _Connection) -> bool:
        return self._connection is not connection

    def accept_connections(self) -> None:
        self.refusing = False

    @property
    def connected(self) -> bool:
        with self._lock:
            return self._connection is not None

    # -- called by connections -----------------------------------------------------------

    def _attach(self, connection: _Connection) -> None:
        with self._connected:
            self._connection = connection
            self.connections += 1
            self._connected.notify_all()

    def _detach(self, connection: _Connection) -> None:
        with self._connected:
            if self._connection is connection:
                self._connection = None
            self._connected.notify_all()

    def _received(self, message: JsonDict) -> None:
        with self._lock:
            answer = self._waiting.get(str(message.get("envelope_id")))
        if answer is not None and not answer.done():
            answer.set_result(message)
