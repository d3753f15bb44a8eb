"""The service's working rules as plain values: time zone, timescales, sites, teams to mention.

Built once from settings at start-up, so flows, views and jobs read the rules without
knowing where they came from (environment, TOML file, or a test).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta

from bot.domain.deadlines import Timescales
from bot.domain.escalation import LadderRules
from bot.domain.retention import RetentionRules
from bot.domain.taxonomy import QUARTERLY_COLUMNS


@dataclass(frozen=True)
class DeliveryTuning:
    """How the outbox worker paces itself."""

    poll_seconds: float = 2.0
    backoff_seconds: float = 2.0
    backoff_cap: float = 300.0


@dataclass(frozen=True)
class DigestRules:
    """When the daily digests go out (local time) and how far they look back."""

    guardians_at: time = time(8, 30)  # working days only
    safeguarding_at: time = time(8, 0)  # every day: safeguarding never waits for Monday
    reporter_wait_days: int = 7
    closed_review_days: int = 7
    feedback_chase_days: int = 30


@dataclass(frozen=True)
class AlarmRules:
    """When a card that cannot reach its channel becomes people's business."""

    urgent_after: timedelta = timedelta(minutes=5)
    other_after: timedelta = timedelta(minutes=15)
    repeat_every: timedelta = timedelta(hours=1)
    check_minutes: int = 1


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
class Aftercare:
    """What happens after closure: the detriment check-in and the learning summaries."""

    checkin_weeks: int = 6  # 0: no check-in
    learning_channel: str | None = None  # None: no learning summaries


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
    guardian_leads: tuple[str, ...] = ()
    safeguarding_leads: tuple[str, ...] = ()
    executive_leads: tuple[str, ...] = ()
    ladder: LadderRules = field(default_factory=LadderRules)
    ops_channel: str | None = None
    safeguarding_on: bool = True
    safeguarding_elsewhere: str = ""
    digests: DigestRules = field(default_factory=DigestRules)
    alarms: AlarmRules = field(default_factory=AlarmRules)
    # A scheduled job's claim on a period; a dead holder's claim is taken over after it.
    job_lease: timedelta = timedelta(minutes=5)
    reporting: Reporting = field(default_factory=Reporting)
    aftercare: Aftercare = field(default_factory=Aftercare)
    # How long content is kept after closure (bot.domain.retention).
    retention: RetentionRules = field(default_factory=RetentionRules)
