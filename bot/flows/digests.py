"""The daily digests: what needs the guardians, and the safeguarding team, today.

Rows are references and facts read from plain columns (status, timestamps, owner, flags),
never decrypted: no free text and no reporter identity can reach a digest. Each query is
served by an index on the concerns table (kind and status, closing time, referral state).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum, auto
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.domain.clock import add_working_days, local_today
from bot.domain.deadlines import deadlines
from bot.domain.policy import Policy
from bot.domain.taxonomy import ConcernKind, Stage, Status
from bot.flows.delivery_health import waiting_items
from bot.flows.due_times import CLOCK_COLUMNS, ClockFacts
from storage.models import Concern, ConcernEvent

OPEN = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)


class Audience(StrEnum):
    GUARDIANS = "guardians"
    SAFEGUARDING = "safeguarding"


class Section(StrEnum):
    # Each value is the member's name in lower case (auto), as queued digests store it.
    UNACKNOWLEDGED = auto()
    DUE = auto()
    NO_OWNER = auto()
    WAITING_ON_REPORTER = auto()
    DETRIMENT = auto()
    FEEDBACK_OUTSTANDING = auto()
    NO_REFERRAL = auto()
    REFERRAL_UNACKNOWLEDGED = auto()
    CLOSED_WITHOUT_REFERRAL = auto()
    UNDELIVERED = auto()


@dataclass(frozen=True)
class DigestRow:
    """One concern in one section: its reference and the facts that put it there."""

    concern_id: str
    reference: str
    at: datetime  # what the row is about: raised, due, last contact, closed, queued
    what: str = ""  # a deadline's name or Slack's error code; never anything anyone wrote
    owner_id: str | None = None
    urgent: bool = False
    overdue: bool = False

    def to_payload(self) -> dict[str, Any]:
        values = asdict(self)
        values["at"] = self.at.isoformat()
        return values

    @classmethod
    def from_payload(cls, values: dict[str, Any]) -> DigestRow:
        return cls(**{**values, "at": datetime.fromisoformat(values["at"])})


@dataclass(frozen=True)
class Digest:
    audience: Audience
    day: date  # the trust's local day it is for
    as_of: datetime
    sections: tuple[tuple[Section, tuple[DigestRow, ...]], ...]

    @property
    def empty(self) -> bool:
        return not any(rows for _, rows in self.sections)

    @property
    def count(self) -> int:
        """Concerns that appear at least once."""
        return len({row.concern_id for _, rows in self.sections for row in rows})

    def to_payload(self) -> dict[str, Any]:
        return {
            "audience": self.audience.value,
            "day": self.day.isoformat(),
            "as_of": self.as_of.isoformat(),
            "sections": [
                {"section": section.value, "rows": [row.to_payload() for row in rows]}
                for section, rows in self.sections
            ],
        }

    @classmethod
    def from_payload(cls, values: dict[str, Any]) -> Digest:
        return cls(
            audience=Audience(values["audience"]),
            day=date.fromisoformat(values["day"]),
            as_of=datetime.fromisoformat(values["as_of"]),
            sections=tuple(
                (
                    Section(part["section"]),
                    tuple(DigestRow.from_payload(row) for row in part["rows"]),
                )
                for part in values["sections"]
            ),
        )


@dataclass(frozen=True)
class _Open(ClockFacts):
    """An open concern's plain facts: its clock, and who and what it is for the rows."""

    id: str
    reference: str
    stage: str | None
    owner_id: str | None
    detriment: str | None


_OPEN_COLUMNS = (
    Concern.id,
    Concern.reference,
    Concern.stage,
    Concern.owner_id,
    Concern.detriment,
    *CLOCK_COLUMNS,
)


def _open_concerns(session: Session, kind: ConcernKind) -> list[_Open]:
    rows = session.execute(
        select(*_OPEN_COLUMNS)
        .where(Concern.kind == kind.value, Concern.status.in_([s.value for s in OPEN]))
        .order_by(Concern.created_at)
    )
    return [_Open(**row._asdict()) for row in rows]


def _row(concern: _Open, at: datetime, **facts: Any) -> DigestRow:
    return DigestRow(
        concern_id=concern.id,
        reference=concern.reference,
        at=at,
        owner_id=concern.owner_id,
        urgent=concern.urgent,
        **facts,
    )


def _last_heard_from_reporter(session: Session, ids: list[str]) -> dict[str, datetime]:
    """When each concern's reporter last wrote (raised it, or replied)."""
    if not ids:
        return {}
    rows = session.execute(
        select(ConcernEvent.concern_id, func.max(ConcernEvent.at))
        .where(ConcernEvent.concern_id.in_(ids), ConcernEvent.actor_role == "reporter")
        .group_by(ConcernEvent.concern_id)
    )
    return {str(concern_id): at for concern_id, at in rows}


def guardians_digest(session: Session, policy: Policy, now: datetime) -> Digest:
    """What needs the guardians today (speak-up concerns)."""
    rules = policy.digests
    today = local_today(now, policy.timezone)
    concerns = _open_concerns(session, ConcernKind.SPEAK_UP)

    unacknowledged = [_row(c, c.created_at) for c in concerns if c.status == Status.RECEIVED]
    due = []
    for concern in concerns:
        for deadline in deadlines(concern, policy.timescales, now):
            if local_today(deadline.due_at, policy.timezone) <= today:
                due.append(
                    _row(concern, deadline.due_at, what=deadline.what, overdue=deadline.overdue)
                )
    due.sort(key=lambda row: row.at)
    no_owner = [_row(c, c.created_at) for c in concerns if c.owner_id is None]

    awaiting = [c for c in concerns if c.stage == Stage.AWAITING_INFORMATION]
    heard = _last_heard_from_reporter(session, [c.id for c in awaiting])
    waiting = []
    for concern in awaiting:
        # The last contact either way: our last message to them, or theirs to us.
        last = max(
            concern.last_reporter_update_at or concern.acknowledged_at or concern.created_at,
            heard.get(concern.id, concern.created_at),
        )
        if now - last > timedelta(days=rules.reporter_wait_days):
            waiting.append(_row(concern, last))
    waiting.sort(key=lambda row: row.at)
    detriment = [_row(c, c.created_at) for c in concerns if c.detriment == "yes"]

    feedback_rows = session.execute(
        select(Concern.id, Concern.reference, Concern.closed_at, Concern.owner_id)
        .where(
            Concern.kind == ConcernKind.SPEAK_UP.value,
            Concern.status == Status.CLOSED.value,
            Concern.closed_at >= now - timedelta(days=rules.feedback_chase_days),
            Concern.feedback.is_(None),
            # Reachable: by DM through the sealed link, or on a no-contact receipt.
            or_(Concern.reporter_enc.is_not(None), Concern.receipt_hash.is_not(None)),
        )
        .order_by(Concern.closed_at)
    )
    feedback = [
        DigestRow(concern_id=r.id, reference=r.reference, at=r.closed_at, owner_id=r.owner_id)
        for r in feedback_rows
    ]
    return Digest(
        audience=Audience.GUARDIANS,
        day=today,
        as_of=now,
        sections=(
            (Section.UNACKNOWLEDGED, tuple(unacknowledged)),
            (Section.DUE, tuple(due)),
            (Section.NO_OWNER, tuple(no_owner)),
            (Section.WAITING_ON_REPORTER, tuple(waiting)),
            (Section.DETRIMENT, tuple(detriment)),
            (Section.FEEDBACK_OUTSTANDING, tuple(feedback)),
        ),
    )


def safeguarding_digest(
    session: Session, policy: Policy, now: datetime, *, channel: str | None
) -> Digest:
    """What needs the safeguarding team today; `channel` is theirs, for what has not
    reached it."""
    rules = policy.digests
    scales = policy.timescales
    concerns = _open_concerns(session, ConcernKind.SAFEGUARDING)
    no_referral = [_row(c, c.created_at) for c in concerns if c.referral_made_at is None]

    # A referral nobody has seen acknowledged is an alert, open or closed (SPEC §2).
    awaiting_rows = session.execute(
        select(Concern.id, Concern.reference, Concern.referral_made_at, Concern.owner_id)
        .where(
            Concern.kind == ConcernKind.SAFEGUARDING.value,
            Concern.referral_acknowledged_at.is_(None),
            Concern.referral_made_at.is_not(None),
        )
        .order_by(Concern.referral_made_at)
    )
    awaiting = []
    for r in awaiting_rows:
        due_at = add_working_days(
            r.referral_made_at, scales.referral_ack_working_days, scales.timezone
        )
        awaiting.append(
            DigestRow(
                concern_id=r.id,
                reference=r.reference,
                at=r.referral_made_at,
                owner_id=r.owner_id,
                overdue=now > due_at,
            )
        )

    closed_rows = session.execute(
        select(Concern.id, Concern.reference, Concern.closed_at, Concern.owner_id, Concern.outcome)
        .where(
            Concern.kind == ConcernKind.SAFEGUARDING.value,
            Concern.status == Status.CLOSED.value,
            Concern.closed_at >= now - timedelta(days=rules.closed_review_days),
            Concern.referral_made_at.is_(None),
        )
        .order_by(Concern.closed_at)
    )
    closed = [
        DigestRow(
            concern_id=r.id,
            reference=r.reference,
            at=r.closed_at,
            owner_id=r.owner_id,
            what=r.outcome or "",
        )
        for r in closed_rows
    ]

    undelivered: dict[str, DigestRow] = {}
    if channel:
        for item in waiting_items(session, channel=channel):
            if item.error is None and not item.stuck(policy.alarms, now):
                continue  # on its way: queued moments ago and not refused
            # One row a concern: since its oldest waiting item, with the latest error.
            first = undelivered.get(item.concern_id)
            undelivered[item.concern_id] = DigestRow(
                concern_id=item.concern_id,
                reference=item.reference,
                at=first.at if first else item.created_at,
                what=item.error or (first.what if first else ""),
                urgent=item.urgent or bool(first and first.urgent),
            )
    return Digest(
        audience=Audience.SAFEGUARDING,
        day=local_today(now, policy.timezone),
        as_of=now,
        sections=(
            (Section.NO_REFERRAL, tuple(no_referral)),
            (Section.REFERRAL_UNACKNOWLEDGED, tuple(awaiting)),
            (Section.CLOSED_WITHOUT_REFERRAL, tuple(closed)),
            (Section.UNDELIVERED, tuple(undelivered.values())),
        ),
    )
