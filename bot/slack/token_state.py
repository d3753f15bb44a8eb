"""Whether Slack accepts the bot token: a refused token is a setting to fix, not an outage.

The outbox worker and the start-up checks record Slack's answer; `/readyz` answers 503 while
the token is refused, so an orchestrator or the on-call team sees it at once.
"""

from __future__ import annotations

import threading


class SlackToken:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refusal: str | None = None

    def refused(self, error: str) -> None:
        with self._lock:
            self._refusal = error

    def accepted(self) -> None:
        with self._lock:
            self._refusal = None

    @property
    def refusal(self) -> str | None:
        """Slack's error code (invalid_auth, token_revoked, …) while it refuses the token."""
        with self._lock:
            return self._refusal
