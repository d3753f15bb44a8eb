"""Slack's per-channel limit on chat.postMessage: about one message a second in each channel,
with short bursts allowed. A token bucket per channel; the clock is an input so tests need
not sleep."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict


class RateLimitSettings(TypedDict, total=False):
    """ChannelRateLimit's keywords, for methods that pass them on (the defaults are its own)."""

    per_second: float
    burst: int
    clock: Callable[[], float]
    whole_seconds: bool


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
        whole_seconds: bool = True,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.per_second = per_second
        self.burst = burst
        # Slack sends whole seconds. A limit scaled down for a test (20 posts a second) would
        # round every wait up to a second, so it can say the exact wait instead.
        self.whole_seconds = whole_seconds
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, channel: str) -> str | None:
        """None when the post may go; else the Retry-After to send (seconds)."""
        now = self._clock()
        bucket = self._buckets.setdefault(channel, _Bucket(float(self.burst), now))
        elapsed = max(0.0, now - bucket.refilled_at)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.per_second)
        bucket.refilled_at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        wait = (1.0 - bucket.tokens) / self.per_second
        if not self.whole_seconds:
            return f"{wait:.3f}"
        # Slack sends whole seconds; never 0, which would invite an immediate retry.
        return str(max(1, math.ceil(wait)))

    def forget(self) -> None:
        """Start every channel's bucket full again."""
        self._buckets.clear()
