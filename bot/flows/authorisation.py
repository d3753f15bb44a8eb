"""Who may act on a concern: the guardians on speak-up, the safeguarding team on safeguarding.

Membership comes from configured user ids and Slack user groups (S…), resolved through
a fetch function and cached briefly, so a change of team in Slack takes effect within minutes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.domain.taxonomy import ConcernKind

FetchGroup = Callable[[str], list[str]]


class TeamLookupFailed(Exception):
    """Slack could not say who is in a user group, and nothing recent is known."""


STALE_LIMIT_SECONDS = 3600.0


class TeamDirectory:
    def __init__(
        self,
        *,
        guardians: list[str],
        safeguarding: list[str],
        fetch_group: FetchGroup,
        ttl_seconds: float,
    ) -> None:
        self._configured = {
            ConcernKind.SPEAK_UP: list(guardians),
            ConcernKind.SAFEGUARDING: list(safeguarding),
        }
        self._fetch_group = fetch_group
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def _group_members(self, group_id: str) -> frozenset[str]:
        with self._lock:
            cached = self._cache.get(group_id)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        try:
            members = frozenset(self._fetch_group(group_id))
        except Exception:
            # Slack unreachable: a recently known team beats refusing the team's work (the
            # cache only ever grants what Slack itself said within the last hour).
            if cached and time.monotonic() - cached[0] < STALE_LIMIT_SECONDS:
                return cached[1]
            raise TeamLookupFailed(group_id) from None
        with self._lock:
            self._cache[group_id] = (time.monotonic(), members)
        return members

    def members(self, kind: ConcernKind) -> frozenset[str]:
        """Every user id on the team that handles `kind`."""
        found: set[str] = set()
        for entry in self._configured[kind]:
            if entry.startswith("S"):
                found |= self._group_members(entry)
            else:
                found.add(entry)
        return frozenset(found)

    def includes(self, user_id: str, entries: tuple[str, ...] | list[str]) -> bool:
        """Whether `user_id` is among configured user ids and user groups (S…), such as the
        leads in SPEAKUP_GUARDIAN_LEADS."""
        if user_id in entries:
            return True
        return any(
            user_id in self._group_members(entry) for entry in entries if entry.startswith("S")
        )

    def may_act(self, user_id: str, kind: ConcernKind) -> bool:
        return user_id in self.members(kind)

    @staticmethod
    def team_name(kind: ConcernKind) -> str:
        return "the safeguarding team" if kind is ConcernKind.SAFEGUARDING else "the guardians"
