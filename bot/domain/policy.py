"""The service's working rules as plain values: time zone, timescales, sites, teams to mention.

Built once from settings at start-up, so flows, views and jobs read the rules without
knowing where they came from (environment, TOML file, or a test).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.deadlines import Timescales
from bot.domain.escalation import LadderRules


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
    sites: tuple[str, ...] = ()
    # Mentioned on urgent safeguarding cards so phones ring (user ids or user-group ids).
    safeguarding_team: tuple[str, ...] = ()
    delivery: DeliveryTuning = field(default_factory=DeliveryTuning)
    # Mentioned by the escalation ladder when a speak-up concern has no owner.
    guardians: tuple[str, ...] = ()
    # Told by DM when a deadline stays overdue (user ids or user-group ids; a group's members
    # are looked up when the message goes out).
    guardian_leads: tuple[str, ...] = ()
    safeguarding_leads: tuple[str, ...] = ()
    executive_leads: tuple[str, ...] = ()
    ladder: LadderRules = field(default_factory=LadderRules)
