"""What every part of the Web API emulator shares: the server's lifecycle, the lock, ids and
timestamps, and the record of every call the app made."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.demo.simulator.api_http import ApiRequestHandler, ApiServer, RequestAnswerer
from bot.demo.simulator.background import BackgroundServer

JsonDict = dict[str, Any]
MethodHandler = Callable[[JsonDict], JsonDict]
_Handler = TypeVar("_Handler", bound=Callable[[Any, JsonDict], JsonDict])
_WEB_API_METHOD = "web_api_method"


def web_api_method(name: str) -> Callable[[_Handler], _Handler]:
    """Mark an emulator method as the handler of Slack's Web API method `name`."""

    def mark(handler: _Handler) -> _Handler:
        setattr(handler, _WEB_API_METHOD, name)
        return handler

    return mark


@dataclass(frozen=True)
class RecordedCall:
    """One request the emulator answered, failed ones included."""

    method: str
    params: JsonDict
    token: str | None
    at: float
    status: int = 200
    error: str | None = None
    path: str = ""
    # False when the app never heard the answer: the connection was dropped, or held past
    # its timeout (then status 0 if the call changed nothing).
    delivered: bool = True

    @property
    def ok(self) -> bool:
        """True when Slack would have reported success."""
        return self.status == 200 and self.error is None


def now() -> float:
    """The clock call records and trigger lifetimes use."""
    return time.monotonic()


class EmulatorCore(BackgroundServer, RequestAnswerer):
    """The base each API family builds on. Each family keeps its own state, set up in
    `_configure` (kept by reset) and `_clear_state` (forgotten by reset), both chaining
    through super(), and marks each Web API method it answers with @web_api_method."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        trigger_ttl: float,
        validate_blocks: bool,
    ) -> None:
        super().__init__("slack-web-api-emulator")
        self._host = host
        self._port = port
        self._paused = False
        self.trigger_ttl = trigger_ttl
        self.validate_blocks = validate_blocks
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._last_ts_us = 0
        self._configure()
        self._clear_state()

    def _configure(self) -> None:
        """Set up what a test configures (directory, channel states); reset() keeps it."""

    def _clear_state(self) -> None:
        """Set up what the app's calls change; reset() forgets it."""
        self._calls: list[RecordedCall] = []

    def _api_methods(self) -> dict[str, MethodHandler]:
        """Web API method name -> handler taking the request's params, from every family."""
        return {
            name: getattr(self, attribute)
            for family in type(self).__mro__
            for attribute, value in vars(family).items()
            if (name := getattr(value, _WEB_API_METHOD, None)) is not None
        }

    def _user_error(self, user_id: str) -> str | None:
        """The error Slack gives when asked about this user, if a test set one."""
        return None

    # -- lifecycle -------------------------------------------------------------------

    def _bind(self) -> ApiServer:
        server = ApiServer((self._host, self._port), ApiRequestHandler)
        server.emulator = self
        return server

    def stop(self) -> None:
        self._paused = False
        super().stop()

    def _pause_listening(self) -> None:
        """Close the listening socket but keep the address, so connections are refused."""
        if self._server is None:
            return
        self._host, self._port = self._address()
        self._paused = True
        BackgroundServer.stop(self)

    def _resume_listening(self) -> None:
        """Listen again on the address the app already has."""
        if self._paused:
            self._paused = False
            BackgroundServer.start(self)

    @property
    def root_url(self) -> str:
        """`http://127.0.0.1:PORT`, without a trailing slash."""
        if self._server is None and self._paused:
            return f"http://{self._host}:{self._port}"
        host, port = self._address()
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """What the app passes to WebClient(base_url=...)."""
        return f"{self.root_url}/api/"

    # -- the record of calls ------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """Every call so far, oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Calls of one method (e.g. "chat.postMessage", "response_url" or "file_upload")."""
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Poll until `predicate()` is true; False if it never was within `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def _record(self, call: RecordedCall) -> None:
        with self._lock:
            self._calls.append(call)

    # -- ids -----------------------------------------------------------------------------

    def _next_ts(self) -> str:
        # Real clock so `oldest`/`latest` filters behave; strictly increasing so ts is a key.
        now_us = time.time_ns() // 1000
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}0SIM{next(self._ids):06d}"
