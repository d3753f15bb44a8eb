"""Requests Slack is waiting on, so background work can step aside while they are answered.

Everything in the process shares one interpreter lock. An answer that arrives while the outbox
worker is building and posting a card waits for the lock; the worker's delivery can wait a
few milliseconds instead, because Slack's 3 s clock is not running on it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Answering:
    """Counts the requests being answered right now."""

    def __init__(self) -> None:
        self._count = 0
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
                    self._changed.notify_all()

    def step_aside(self, at_most: float) -> bool:
        """Wait until no request is being answered, for `at_most` seconds; False if still busy.

        The bound keeps background work moving under sustained load, when there is always
        some request in flight.
        """
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout=at_most)
