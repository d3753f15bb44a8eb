"""Requests Slack is waiting on, so background work can step aside while they are answered.

Everything in the process shares one interpreter lock. An answer that arrives while the outbox
worker is building and posting a card waits for the lock; the worker's delivery can wait a
few milliseconds instead, because Slack's 3 s clock is not running on it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# A quiet spell: how long after the last answer background work waits before it starts, so it
# does not start in the gap before a busy client's next request and compete with it.
QUIET = 0.005


class Answering:
    """Counts the requests being answered right now."""

    def __init__(self) -> None:
        self._count = 0
        self._idle_since = 0.0  # monotonic time the last answer finished
        self._changed = threading.Condition()

    @contextmanager
    def request(self) -> Iterator[None]:
        """Hold while working out the answer to one of Slack's requests."""
        with self._changed:
            self._count += 1
        try:
            yield
        finally:
            with self._changed:
                self._count -= 1
                if self._count == 0:
                    self._idle_since = time.monotonic()
                    self._changed.notify_all()

    def step_aside(self, at_most: float, quiet: float = 0.0) -> bool:
        """Wait until no request has been answered for `quiet` seconds, for `at_most` seconds;
        False if still busy.

        The quiet spell keeps a step from starting in the moment between one answer and the
        next request of a stream. The bound keeps background work moving under sustained
        load, when there is always some request in flight.
        """
        deadline = time.monotonic() + at_most
        with self._changed:
            while True:
                now = time.monotonic()
                if self._count == 0 and now >= self._idle_since + quiet:
                    return True
                if now >= deadline:
                    return False
                calm_at = self._idle_since + quiet if self._count == 0 else deadline
                self._changed.wait(min(calm_at, deadline) - now)
