"""Pausing a person who types wrong receipts, counted in this process's memory only."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable


class ReceiptGuard:
    """Counts one person's wrong receipts in this process's memory, never in the database.

    People are keyed by an HMAC under a random per-process key, so even this memory holds no
    user id. Several replicas each keep their own count; a guess still costs a slow hash.
    """

    def __init__(
        self,
        *,
        max_failures: int = 5,
        window_seconds: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _who(self, user_id: str) -> str:
        return hmac.new(self._key, user_id.encode(), hashlib.sha256).hexdigest()

    def _recent(self, who: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(who, []) if now - t < self.window_seconds]
        if recent:
            self._failures[who] = recent
        else:
            self._failures.pop(who, None)
        return recent

    def begin(self, user_id: str) -> tuple[float, float]:
        """Reserve one attempt before the slow check, so guesses sent at the same moment are
        counted like guesses sent one after another. Returns (wait, token): wait is 0 if the
        person may try now (else how long until they may); pass the token to `succeeded`."""
        now = self._clock()
        with self._lock:
            if len(self._failures) > 10_000:
                for who in list(self._failures):
                    self._recent(who, now)
            who = self._who(user_id)
            recent = self._recent(who, now)
            if len(recent) >= self.max_failures:
                return max(1.0, self.window_seconds - (now - recent[-self.max_failures])), now
            self._failures[who] = [*recent, now]
        return 0.0, now

    def succeeded(self, user_id: str, token: float) -> None:
        """A right receipt does not count against the person: release its reservation."""
        with self._lock:
            who = self._who(user_id)
            attempts = self._failures.get(who, [])
            if token in attempts:
                attempts.remove(token)
            if not attempts:
                self._failures.pop(who, None)
