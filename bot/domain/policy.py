"""The service's working rules as plain values: time zone, timescales, sites, teams to mention.

Built once from settings at start-up, so flows, views and jobs read the rules without
knowing where they came from (environment, TOML file, or a test).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.deadlines import Timescales


@dataclass(frozen=True)
class DeliveryTuning:
    """How the outbox worker paces itself."""

    poll_seconds: float = 2.0
    backoff_seconds: float = 2.0
    backoff_cap: float = 300.0


@dataclass(frozen=True)
class Policy:
    timezone: str
    timescales: Timescales
    ack_working_days: int = 2
    sites: tuple[str, ...] = ()
    # Mentioned on urgent safeguarding cards so phones ring (user ids or user-group ids).
    safeguarding_team: tuple[str, ...] = ()
    delivery: DeliveryTuning = field(default_factory=DeliveryTuning)
