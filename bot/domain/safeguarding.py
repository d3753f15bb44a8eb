"""The referral decision on a safeguarding concern (SPEC §2): nothing closes without one.

A safeguarding concern is decided either by a recorded local-authority referral whose
acknowledgement is recorded (or explicitly chased and not received, with the date), or by
"no referral needed" with a reason from the list below, confirmed by a second member of the
safeguarding team. Each rule answers with the words the person acting reads, or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol


class NoReferralReason(StrEnum):
    NOT_SAFEGUARDING = "not_safeguarding"
    REFERRED_BY_CREW = "referred_by_crew"
    DUPLICATE = "duplicate"
    OTHER = "other"


NO_REFERRAL_REASONS: dict[str, str] = {
    NoReferralReason.NOT_SAFEGUARDING: "Not a safeguarding matter",
    NoReferralReason.REFERRED_BY_CREW: "Already referred by the crew",
    NoReferralReason.DUPLICATE: "Duplicate of another concern",
    NoReferralReason.OTHER: "Other reason",
}

# What each reason must come with, in words for a field error ("Please give …").
DETAIL_NEEDED: dict[str, str] = {
    NoReferralReason.REFERRED_BY_CREW: "the CAD / incident number of the crew's referral",
    NoReferralReason.DUPLICATE: "the reference of the concern this duplicates",
    NoReferralReason.OTHER: "the reason no referral is needed",
}
DETAIL_MAX = 500
REFERENCE_PATTERN = re.compile(r"^(?:SG|SU)-[0-9A-Z]{6}$")


class Decision(StrEnum):
    NONE = "none"
    REFERRED = "referred"  # made, the local authority's acknowledgement awaited
    REFERRED_ACKNOWLEDGED = "referred_acknowledged"
    REFERRED_CHASED = "referred_chased"  # chased, not received: recorded with its date
    NO_REFERRAL_PENDING = "no_referral_pending"  # waits for a second member
    NO_REFERRAL_CONFIRMED = "no_referral_confirmed"


class ReferralTimes(Protocol):
    """When each step of a referral decision happened: what its deadlines are read from."""

    @property
    def referral_made_at(self) -> datetime | None: ...
    @property
    def referral_acknowledged_at(self) -> datetime | None: ...
    @property
    def referral_chased_at(self) -> datetime | None: ...
    @property
    def no_referral_reason(self) -> str | None: ...
    @property
    def no_referral_confirmed_at(self) -> datetime | None: ...


class ReferralRecord(ReferralTimes, Protocol):
    """The stored facts a referral decision is read from (a stored concern has them)."""

    @property
    def no_referral_by(self) -> str | None: ...


@dataclass(frozen=True)
class ReferralFacts:
    """Where a concern's referral decision stands, as plain values."""

    made: bool = False
    acknowledged: bool = False
    chased: bool = False
    no_referral_reason: str | None = None
    no_referral_by: str | None = None
    no_referral_confirmed: bool = False

    @classmethod
    def of(cls, record: ReferralRecord) -> ReferralFacts:
        return cls(
            made=record.referral_made_at is not None,
            acknowledged=record.referral_acknowledged_at is not None,
            chased=record.referral_chased_at is not None,
            no_referral_reason=record.no_referral_reason,
            no_referral_by=record.no_referral_by,
            no_referral_confirmed=record.no_referral_confirmed_at is not None,
        )

    @property
    def decision(self) -> Decision:
        if self.made:
            if self.acknowledged:
                return Decision.REFERRED_ACKNOWLEDGED
            return Decision.REFERRED_CHASED if self.chased else Decision.REFERRED
        if self.no_referral_reason:
            if self.no_referral_confirmed:
                return Decision.NO_REFERRAL_CONFIRMED
            return Decision.NO_REFERRAL_PENDING
        return Decision.NONE


DECIDED = frozenset(
    {Decision.REFERRED_ACKNOWLEDGED, Decision.REFERRED_CHASED, Decision.NO_REFERRAL_CONFIRMED}
)


def close_refusal(reference: str, facts: ReferralFacts) -> str | None:
    """Why a safeguarding concern cannot be closed yet, or None once its referral is decided."""
    decision = facts.decision
    if decision in DECIDED:
        return None
    if decision is Decision.REFERRED:
        return (
            f"{reference} cannot be closed yet: the local authority's acknowledgement of the "
            "referral is not recorded. Press Referral acknowledged, or Acknowledgement chased "
            "if you chased it and nothing came."
        )
    if decision is Decision.NO_REFERRAL_PENDING:
        return (
            f'{reference} cannot be closed yet: "no referral needed" must be confirmed by a '
            "second member of the safeguarding team (Confirm no referral on the card)."
        )
    return (
        f"{reference} cannot be closed without a referral decision: press Record referral, or "
        "No referral needed with a reason (a second member of the team then confirms it)."
    )


def no_referral_refusal(reference: str, facts: ReferralFacts) -> str | None:
    """Whether "no referral needed" can be proposed on the concern now."""
    if facts.made:
        return (
            f"A referral is already recorded on {reference}, so it cannot be marked as not needed."
        )
    if facts.no_referral_confirmed:
        return f'"No referral needed" on {reference} is already confirmed.'
    return None


def no_referral_detail_problem(reason: str | None, detail: str | None) -> str | None:
    """A field error for the reason's detail: each reason but the first needs one."""
    if reason not in NO_REFERRAL_REASONS:
        return None  # the reason's own error is shown instead
    needed = DETAIL_NEEDED.get(reason)
    if needed and not detail:
        return f"Please give {needed}."
    if (
        reason == NoReferralReason.DUPLICATE
        and detail
        and not REFERENCE_PATTERN.match(detail.strip().upper())
    ):
        return "Give the other concern's reference, like SG-AB12CD."
    return None


def duplicate_problem(own_reference: str, other_reference: str, *, exists: bool) -> str | None:
    """A duplicate must name another concern that exists."""
    if other_reference == own_reference:
        return "A concern cannot duplicate itself: give the other concern's reference."
    if not exists:
        return f"No concern {other_reference} was found: check the reference."
    return None


def confirm_refusal(reference: str, facts: ReferralFacts, confirmer: str) -> str | None:
    """Whether `confirmer` may confirm "no referral needed" now: a second, different member."""
    decision = facts.decision
    if decision is Decision.NO_REFERRAL_CONFIRMED:
        return f'"No referral needed" on {reference} is already confirmed.'
    if decision is not Decision.NO_REFERRAL_PENDING:
        return (
            f'Nobody has proposed "no referral needed" on {reference}, so there is nothing '
            "to confirm."
        )
    if facts.no_referral_by == confirmer:
        return (
            "A second member of the safeguarding team must confirm this: you proposed it, so "
            "someone else has to."
        )
    return None


def chase_refusal(reference: str, facts: ReferralFacts) -> str | None:
    """Whether "acknowledgement chased, not received" can be recorded now."""
    if not facts.made:
        return "Record the referral first, then whether its acknowledgement came."
    if facts.acknowledged:
        return f"The referral's acknowledgement on {reference} is already recorded."
    if facts.chased:
        return f"The chase on {reference} is already recorded."
    return None


def chase_date_problem(
    chased_on: date | None, referral_made_on: date | None, today: date
) -> str | None:
    """The chase's date: given, not in the future, and not before the referral."""
    if chased_on is None:
        return "Pick the date you chased the local authority."
    if chased_on > today:
        return "The date cannot be in the future."
    if referral_made_on is not None and chased_on < referral_made_on:
        return "The chase cannot be before the referral was made."
    return None
