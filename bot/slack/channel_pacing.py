"""Slack's per-channel posting limit, as the delivery worker meets it.

Slack takes about one message a second in each channel and answers more with HTTP 429 and
Retry-After. The worker notes each such channel here until then, leaves its posts in the
outbox meanwhile, and goes on with every other channel and DM: one busy channel holds up
nobody else, and the worker wakes when the channel may be posted to again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

# A Retry-After beyond this is taken as nonsense (a proxy's, not Slack's).
LONGEST_WAIT = 3600.0


def retry_after(exc: SlackApiError) -> float:
    """Slack's Retry-After in seconds (1 when it sends none or nonsense)."""
    try:
        seconds = float(exc.response.headers.get("Retry-After", "1") or 1)
    except (TypeError, ValueError):
        return 1.0
    return seconds if 0 < seconds <= LONGEST_WAIT else 1.0


class ChannelPacing:
    """Channels Slack asked to wait, and until when."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}

    def wait(self, channel: str, seconds: float) -> None:
        """Slack said `channel` takes posts again in `seconds`."""
        with self._lock:
            self._until[channel] = self._clock() + seconds

    def waiting(self) -> frozenset[str]:
        """The channels still waiting (those whose time is up are forgotten)."""
        now = self._clock()
        with self._lock:
            for channel in [c for c, until in self._until.items() if until <= now]:
                del self._until[channel]
            return frozenset(self._until)

    def is_waiting(self, channel: str | None) -> bool:
        with self._lock:
            return channel is not None and self._until.get(channel, 0.0) > self._clock()

    def next_wait(self, poll: float) -> float:
        """Seconds until the next poll, or sooner if a channel may be posted to by then."""
        with self._lock:
            if not self._until:
                return poll
            return max(0.0, min(poll, min(self._until.values()) - self._clock()))
