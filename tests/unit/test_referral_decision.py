"""A safeguarding concern closes only with a referral decision (plain values)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.safeguarding import (
    Decision,
    ReferralFacts,
    chase_date_problem,
    chase_refusal,
    close_refusal,
    confirm_refusal,
    duplicate_problem,
    no_referral_detail_problem,
    no_referral_refusal,
)

PENDING = ReferralFacts(no_referral_reason="not_safeguarding", no_referral_by="U0FIRST")


@pytest.mark.parametrize(
    ("facts", "decision", "closes"),
    [
        (ReferralFacts(), Decision.NONE, False),
        (ReferralFacts(made=True), Decision.REFERRED, False),
        (ReferralFacts(made=True, acknowledged=True), Decision.REFERRED_ACKNOWLEDGED, True),
        (ReferralFacts(made=True, chased=True), Decision.REFERRED_CHASED, True),
        (PENDING, Decision.NO_REFERRAL_PENDING, False),
        (
            ReferralFacts(no_referral_reason="duplicate", no_referral_confirmed=True),
            Decision.NO_REFERRAL_CONFIRMED,
            True,
        ),
    ],
)
def test_only_a_decided_referral_lets_a_concern_close(
    facts: ReferralFacts, decision: Decision, closes: bool
) -> None:
    assert facts.decision is decision
    assert (close_refusal("SG-1", facts) is None) is closes


def test_each_refusal_to_close_says_what_is_missing() -> None:
    assert "Record referral" in (close_refusal("SG-1", ReferralFacts()) or "")
    assert "Referral acknowledged" in (close_refusal("SG-1", ReferralFacts(made=True)) or "")
    assert "second member" in (close_refusal("SG-1", PENDING) or "")


def test_no_referral_needs_a_different_second_member() -> None:
    assert "someone else" in (confirm_refusal("SG-1", PENDING, "U0FIRST") or "")
    assert confirm_refusal("SG-1", PENDING, "U0SECOND") is None
    assert "nothing to confirm" in (confirm_refusal("SG-1", ReferralFacts(), "U0SECOND") or "")
    confirmed = ReferralFacts(no_referral_reason="other", no_referral_confirmed=True)
    assert "already confirmed" in (confirm_refusal("SG-1", confirmed, "U0SECOND") or "")


def test_no_referral_cannot_be_proposed_over_a_referral_or_a_confirmed_decision() -> None:
    assert no_referral_refusal("SG-1", ReferralFacts()) is None
    assert no_referral_refusal("SG-1", PENDING) is None  # the proposer may change the reason
    assert "already recorded" in (no_referral_refusal("SG-1", ReferralFacts(made=True)) or "")
    confirmed = ReferralFacts(no_referral_reason="other", no_referral_confirmed=True)
    assert no_referral_refusal("SG-1", confirmed) is not None


@pytest.mark.parametrize(
    ("reason", "detail", "problem"),
    [
        ("not_safeguarding", None, None),
        ("referred_by_crew", None, "Please give the CAD / incident number of the crew's referral."),
        ("referred_by_crew", "CAD-4471", None),
        ("duplicate", None, "Please give the reference of the concern this duplicates."),
        (
            "duplicate",
            "the one from Tuesday",
            "Give the other concern's reference, like SG-AB12CD.",
        ),
        ("duplicate", "sg-ab12cd", None),
        ("other", None, "Please give the reason no referral is needed."),
        ("other", "Family already supported by the school", None),
    ],
)
def test_each_reason_comes_with_what_it_needs(
    reason: str, detail: str | None, problem: str | None
) -> None:
    assert no_referral_detail_problem(reason, detail) == problem


def test_a_duplicate_names_another_concern_that_exists() -> None:
    assert duplicate_problem("SG-AAAAAA", "SG-AAAAAA", exists=True) is not None
    assert "No concern SG-BBBBBB" in (
        duplicate_problem("SG-AAAAAA", "SG-BBBBBB", exists=False) or ""
    )
    assert duplicate_problem("SG-AAAAAA", "SG-BBBBBB", exists=True) is None


def test_a_chase_needs_a_referral_and_a_sensible_date() -> None:
    assert chase_refusal("SG-1", ReferralFacts()) is not None
    assert chase_refusal("SG-1", ReferralFacts(made=True)) is None
    assert chase_refusal("SG-1", ReferralFacts(made=True, acknowledged=True)) is not None
    assert chase_refusal("SG-1", ReferralFacts(made=True, chased=True)) is not None
    today, made = date(2026, 12, 4), date(2026, 12, 2)
    assert chase_date_problem(None, made, today) is not None
    assert chase_date_problem(date(2026, 12, 5), made, today) is not None
    assert chase_date_problem(date(2026, 12, 1), made, today) is not None
    assert chase_date_problem(date(2026, 12, 3), made, today) is None
