"""Slack's per-channel limit on chat.postMessage: about one message a second in each channel,
with short bursts allowed. A token bucket per channel; the clock is an input so tests need
not sleep."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    refilled_at: float


class ChannelRateLimit:
    """`take(channel)` spends one post; over the limit it says how long to wait instead."""

    def __init__(
        self,
        *,
        per_second: float = 1.0,
        burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.per_second = per_second
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, channel: str) -> int | None:
        """None when the post may go; else the whole seconds to send as Retry-After."""
        now = self._clock()
        bucket = self._buckets.setdefault(channel, _Bucket(float(self.burst), now))
        elapsed = max(0.0, now - bucket.refilled_at)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.per_second)
        bucket.refilled_at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        # Slack sends whole seconds; never 0, which would invite an immediate retry.
        return max(1, math.ceil((1.0 - bucket.tokens) / self.per_second))

    def forget(self) -> None:
        """Start every channel's bucket full again."""
        self._buckets.clear()
