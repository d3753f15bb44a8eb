"""The SLA clock: what is due next on a concern, and what is overdue (SPEC §2 timescales).

Speak-up work runs on working days. Safeguarding runs on elapsed hours, 24/7, by urgency (a
child at risk does not wait for Monday); only the local authority's acknowledgement of a
referral is counted in working days, as Working Together counts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.clock import add_months, add_working_days
from bot.domain.safeguarding import ReferralTimes
from bot.domain.taxonomy import ConcernKind, Status


class ConcernClock(ReferralTimes, Protocol):
    """The facts of a concern that its deadlines depend on (a stored concern has them); a
    safeguarding concern's referral deadlines are read from its referral times."""

    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def urgent(self) -> bool: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def ack_due_at(self) -> datetime: ...
    @property
    def acknowledged_at(self) -> datetime | None: ...
    @property
    def last_reporter_update_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Timescales:
    timezone: str
    update_interval_days: int
    feedback_months: int
    referral_ack_working_days: int = 1
    ack_working_days: int = 2
    urgent_safeguarding_ack_hours: int = 1
    urgent_safeguarding_referral_hours: int = 4
    safeguarding_ack_hours: int = 24
    safeguarding_referral_hours: int = 24


class DeadlineKey(StrEnum):
    """Which deadline: stable across wording changes, so each is escalated once."""

    ACKNOWLEDGE = "ack"
    REFERRAL = "referral"
    REFERRAL_ACK = "referral_ack"
    UPDATE = "update"
    FEEDBACK = "feedback"


@dataclass(frozen=True)
class Deadline:
    what: str
    due_at: datetime
    overdue: bool
    key: DeadlineKey
    starts_at: datetime  # when its clock started: the window reminders are measured in


RECORD_REFERRAL = "Record local-authority referral"
CONFIRM_NO_REFERRAL = "Confirm no referral (second team member)"
REFERRAL_ACKNOWLEDGEMENT = "Referral acknowledgement (chase the local authority)"


def acknowledge_by(kind: str, urgent: bool, raised_at: datetime, scales: Timescales) -> datetime:
    """When the team must acknowledge a concern raised at `raised_at`."""
    if kind == ConcernKind.SAFEGUARDING:
        hours = scales.urgent_safeguarding_ack_hours if urgent else scales.safeguarding_ack_hours
        return raised_at + timedelta(hours=hours)
    return add_working_days(raised_at, scales.ack_working_days, scales.timezone)


def refer_by(urgent: bool, raised_at: datetime, scales: Timescales) -> datetime:
    """When a safeguarding concern's referral decision is due: elapsed hours from raising."""
    hours = (
        scales.urgent_safeguarding_referral_hours if urgent else scales.safeguarding_referral_hours
    )
    return raised_at + timedelta(hours=hours)


def deadlines(concern: ConcernClock, scales: Timescales, now: datetime) -> list[Deadline]:
    """Every deadline still open on the concern, earliest first."""
    if concern.status == Status.CLOSED:
        return []
    found: list[Deadline] = []

    def add(key: DeadlineKey, what: str, starts_at: datetime, due_at: datetime) -> None:
        found.append(Deadline(what, due_at, now > due_at, key, starts_at))

    if concern.status == Status.RECEIVED:
        add(DeadlineKey.ACKNOWLEDGE, "Acknowledge", concern.created_at, concern.ack_due_at)
    if concern.kind == ConcernKind.SAFEGUARDING:
        _referral_deadline(concern, scales, add)
    if concern.acknowledged_at is not None:
        last_update = concern.last_reporter_update_at or concern.acknowledged_at
        add(
            DeadlineKey.UPDATE,
            "Update the reporter",
            last_update,
            last_update + timedelta(days=scales.update_interval_days),
        )
        add(
            DeadlineKey.FEEDBACK,
            "Feedback to the reporter",
            concern.acknowledged_at,
            add_months(concern.acknowledged_at, scales.feedback_months),
        )
    return sorted(found, key=lambda deadline: deadline.due_at)


def _referral_deadline(concern: ConcernClock, scales: Timescales, add: _Add) -> None:
    """The referral decision, then the local authority's acknowledgement of a referral."""
    if concern.referral_made_at is None:
        if concern.no_referral_confirmed_at is not None:
            return  # "no referral needed", confirmed by a second member: decided
        # A proposed "no referral needed" still waits for its second member: the same
        # deadline (same key, same time), only what is missing changes.
        what = CONFIRM_NO_REFERRAL if concern.no_referral_reason else RECORD_REFERRAL
        add(
            DeadlineKey.REFERRAL,
            what,
            concern.created_at,
            refer_by(concern.urgent, concern.created_at, scales),
        )
    elif concern.referral_acknowledged_at is None and concern.referral_chased_at is None:
        add(
            DeadlineKey.REFERRAL_ACK,
            REFERRAL_ACKNOWLEDGEMENT,
            concern.referral_made_at,
            add_working_days(
                concern.referral_made_at, scales.referral_ack_working_days, scales.timezone
            ),
        )


class _Add(Protocol):
    def __call__(
        self, key: DeadlineKey, what: str, starts_at: datetime, due_at: datetime
    ) -> None: ...


def within_words(start: datetime, due_at: datetime) -> str | None:
    """A promise in elapsed time ("within the hour", "within 24 hours") for windows of up
    to two days; None for longer ones, which read better as a date."""
    hours = round((due_at - start).total_seconds() / 3600)
    if hours <= 1:
        return "within the hour"
    if hours <= 48:
        return f"within {hours} hours"
    return None


def duration_words(delta: timedelta) -> str:
    """How long, in the largest units that say it plainly: "45 minutes", "3 hours 10
    minutes", "2 days 4 hours"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)

    def unit(count: int, name: str) -> str:
        return f"{count} {name}" + ("" if count == 1 else "s")

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    return unit(minutes, "minute")
