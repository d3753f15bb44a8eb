"""Slack failing, as a test orders it: the next calls of a method answering an HTTP error,
the whole Web API unreachable (connections refused, or dropped unanswered), or hanging until
released — longer than any client waits."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from bot.demo.simulator.api_core import EmulatorCore
from bot.demo.simulator.api_http import Reply, text_reply

Unreachable = Literal["refuse", "drop"]


@dataclass
class _Fault:
    status: int
    retry_after: int
    remaining: int
    error: str | None = None  # answer HTTP 200 with `ok: false` and this error instead


@dataclass(frozen=True)
class _Outage:
    mode: str  # "hang" or "refuse_token"
    methods: frozenset[str] | None  # None: every method
    hang_seconds: float
    over: threading.Event


@dataclass(frozen=True)
class _Hang:
    released: threading.Event
    apply_on_release: bool


class Delivery(Enum):
    """What becomes of a request's answer."""

    ANSWER = "answer"
    # Closed without an answer; the call changes nothing.
    DROP = "drop"
    # The call takes effect, but only once released and after the client gave up.
    LATE = "late"


class FaultsApi(EmulatorCore):
    def _clear_state(self) -> None:
        super()._clear_state()
        self._faults: dict[str, deque[_Fault]] = {}
        self._dropping = False
        self._hang: _Hang | None = None
        self._outage: _Outage | None = None

    # -- one method failing ---------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        times: int,
        status: int = 500,
        retry_after: int = 1,
        *,
        error: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with HTTP `status` (or, given `error`,
        with Slack's `ok: false` and that error), after any queued faults."""
        if times < 1:
            raise ValueError("times must be at least 1")
        if error is None and not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (4xx or 5xx)")
        with self._lock:
            self._faults.setdefault(method, deque()).append(
                _Fault(status=status, retry_after=retry_after, remaining=times, error=error)
            )

    def set_outage(
        self, mode: str | None, *, hang_seconds: float = 30.0, methods: list[str] | None = None
    ) -> None:
        """Make the Web API (or only `methods`) unwell until called again with None:
        "hang": each call waits unanswered until the outage ends (at most `hang_seconds`),
        then gets HTTP 503 without having done anything; "refuse_token": each call is
        answered `ok: false` with `invalid_auth`."""
        if mode not in (None, "hang", "refuse_token"):
            raise ValueError("mode must be None, 'hang' or 'refuse_token'")
        with self._lock:
            previous = self._outage
            self._outage = (
                None
                if mode is None
                else _Outage(
                    mode,
                    frozenset(methods) if methods is not None else None,
                    hang_seconds,
                    threading.Event(),
                )
            )
        if previous is not None:
            previous.over.set()

    def _outage_for(self, method: str) -> _Outage | None:
        with self._lock:
            outage = self._outage
        if outage is None or (outage.methods is not None and method not in outage.methods):
            return None
        return outage

    def _fault_reply(self, method: str) -> Reply | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        if fault.error is not None:
            body = json.dumps({"ok": False, "error": fault.error}).encode()
            return Reply(200, body, error=fault.error)
        if fault.status == 429:
            body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
            return Reply(
                429, body, headers=(("Retry-After", str(fault.retry_after)),), error="ratelimited"
            )
        return text_reply(
            fault.status, f"{fault.status} simulated Slack failure", f"http_{fault.status}"
        )

    # -- the whole Web API down --------------------------------------------------------------

    def go_offline(self, mode: Unreachable = "refuse") -> None:
        """Make the Web API (every method, response URLs and upload URLs) unreachable until
        come_online() or reset(): "refuse" closes the port, so connections are refused;
        "drop" accepts each request and closes the connection without an answer."""
        if mode not in ("refuse", "drop"):
            raise ValueError('mode must be "refuse" or "drop"')
        with self._lock:
            if mode == "drop":
                self._dropping = True
                return
        self._pause_listening()

    def come_online(self) -> None:
        """Answer again, on the same address."""
        with self._lock:
            self._dropping = False
        self._resume_listening()

    def hang(self, *, apply_on_release: bool = False) -> None:
        """Hold every request unanswered until release() (or reset() or stop()), as a Slack
        slower than the client's timeout. Held calls then close unanswered and change nothing;
        with `apply_on_release` they take effect on release, though no client hears it."""
        with self._lock:
            if self._hang is None:
                self._hang = _Hang(threading.Event(), apply_on_release)

    def release(self) -> None:
        """Let held requests go (see hang) and answer new ones at once."""
        with self._lock:
            hang, self._hang = self._hang, None
        if hang is not None:
            hang.released.set()

    def stop(self) -> None:
        self.release()
        super().stop()

    def _transport(self) -> tuple[Delivery, str | None, threading.Event | None]:
        """How this request is answered: the delivery, the error to record when the app
        hears nothing, and the event to wait for before closing or applying it."""
        with self._lock:
            dropping, hang = self._dropping, self._hang
        if dropping:
            return Delivery.DROP, "connection_dropped", None
        if hang is None:
            return Delivery.ANSWER, None, None
        delivery = Delivery.LATE if hang.apply_on_release else Delivery.DROP
        return delivery, "no_answer", hang.released
