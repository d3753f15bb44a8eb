"""The SLA clock: what is due next on a concern, and what is overdue (SPEC §2 timescales)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.clock import add_months, add_working_days
from bot.domain.taxonomy import ConcernKind, Status


class ConcernClock(Protocol):
    """The facts of a concern that its deadlines depend on (a stored concern has them)."""

    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def ack_due_at(self) -> datetime: ...
    @property
    def acknowledged_at(self) -> datetime | None: ...
    @property
    def last_reporter_update_at(self) -> datetime | None: ...
    @property
    def referral_made_at(self) -> datetime | None: ...
    @property
    def referral_acknowledged_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Timescales:
    timezone: str
    update_interval_days: int
    feedback_months: int
    referral_working_days: int
    referral_ack_working_days: int


@dataclass(frozen=True)
class Deadline:
    what: str
    due_at: datetime
    overdue: bool


def deadlines(concern: ConcernClock, scales: Timescales, now: datetime) -> list[Deadline]:
    """Every deadline still open on the concern, earliest first."""
    if concern.status == Status.CLOSED:
        return []
    found: list[Deadline] = []

    def add(what: str, due_at: datetime) -> None:
        found.append(Deadline(what, due_at, now > due_at))

    if concern.status == Status.RECEIVED:
        add("Acknowledge", concern.ack_due_at)
    if concern.kind == ConcernKind.SAFEGUARDING:
        if concern.referral_made_at is None:
            add(
                "Record local-authority referral",
                add_working_days(concern.created_at, scales.referral_working_days, scales.timezone),
            )
        elif concern.referral_acknowledged_at is None:
            add(
                "Referral acknowledgement",
                add_working_days(
                    concern.referral_made_at, scales.referral_ack_working_days, scales.timezone
                ),
            )
    if concern.acknowledged_at is not None:
        last_update = concern.last_reporter_update_at or concern.acknowledged_at
        add("Update the reporter", last_update + timedelta(days=scales.update_interval_days))
        add("Feedback to the reporter", add_months(concern.acknowledged_at, scales.feedback_months))
    return sorted(found, key=lambda deadline: deadline.due_at)
