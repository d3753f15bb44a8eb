"""The service's working rules as plain values: time zone, timescales, sites, teams to mention.

Built once from settings at start-up, so flows, views and jobs read the rules without
knowing where they came from (environment, TOML file, or a test).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from bot.domain.deadlines import Timescales
from bot.domain.taxonomy import QUARTERLY_COLUMNS


@dataclass(frozen=True)
class DeliveryTuning:
    """How the outbox worker paces itself."""

    poll_seconds: float = 2.0
    backoff_seconds: float = 2.0
    backoff_cap: float = 300.0


@dataclass(frozen=True)
class Reporting:
    """What leaders and the national collection get, and when."""

    leaders_channel: str | None = None
    small_number_threshold: int = 5
    digest_weekday: int = 0  # Monday
    digest_time: time = time(9)
    quarterly_time: time = time(9)
    org_code: str = ""
    quarterly_columns: tuple[tuple[str, str], ...] = tuple(QUARTERLY_COLUMNS.items())


@dataclass(frozen=True)
class Policy:
    timezone: str
    timescales: Timescales
    ack_working_days: int = 2
    sites: tuple[str, ...] = ()
    # Mentioned on urgent safeguarding cards so phones ring (user ids or user-group ids).
    safeguarding_team: tuple[str, ...] = ()
    delivery: DeliveryTuning = field(default_factory=DeliveryTuning)
    reporting: Reporting = field(default_factory=Reporting)
