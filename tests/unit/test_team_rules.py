"""What the team may do besides status moves, from plain values."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.safeguarding import ReferralFacts
from bot.domain.taxonomy import ConcernKind, Status
from bot.domain.team_rules import (
    TeamForm,
    feedback_refusal,
    form_refusal,
    referral_ack_refusal,
    referral_date_problem,
)

# The referral decision each form needs before it opens (the rest need none).
_READY = {
    TeamForm.CLOSE: ReferralFacts(made=True, acknowledged=True),
    TeamForm.CONFIRM_NO_REFERRAL: ReferralFacts(
        no_referral_reason="not_safeguarding", no_referral_by="U0FIRST"
    ),
    TeamForm.REFERRAL_CHASED: ReferralFacts(made=True),
}


@pytest.mark.parametrize("form", list(TeamForm))
def test_every_form_opens_on_an_open_safeguarding_concern(form: TeamForm) -> None:
    assert (
        form_refusal(
            form,
            reference="SG-1",
            kind=ConcernKind.SAFEGUARDING,
            status="in_progress",
            referral=_READY.get(form, ReferralFacts()),
            user_id="U0SECOND",
        )
        is None
    )


def test_closed_concerns_take_no_assignment_referral_update_or_close() -> None:
    for form in (TeamForm.ASSIGN, TeamForm.RECORD_REFERRAL, TeamForm.UPDATE_STATUS, TeamForm.CLOSE):
        problem = form_refusal(form, reference="SG-1", kind="safeguarding", status=Status.CLOSED)
        assert problem is not None and "closed" in problem


def test_referrals_only_on_safeguarding() -> None:
    problem = form_refusal(
        TeamForm.RECORD_REFERRAL, reference="SU-1", kind=ConcernKind.SPEAK_UP, status="received"
    )
    assert problem == "Referrals are recorded on safeguarding concerns only."


def test_update_and_close_wait_for_acknowledgement() -> None:
    problem = form_refusal(TeamForm.CLOSE, reference="SU-1", kind="speak_up", status="received")
    assert problem is not None and "Acknowledge it first" in problem


def test_referral_dates() -> None:
    today = date(2026, 11, 30)
    assert referral_date_problem(None, today) == "Pick the date the referral was made."
    assert referral_date_problem(date(2026, 12, 1), today) is not None
    assert referral_date_problem(today, today) is None


def test_referral_acknowledgement_needs_a_referral_once() -> None:
    assert referral_ack_refusal(referral_made=False, already_acknowledged=False) is not None
    assert referral_ack_refusal(referral_made=True, already_acknowledged=True) is not None
    assert referral_ack_refusal(referral_made=True, already_acknowledged=False) is None


def test_feedback_once_on_a_closed_concern_with_a_known_answer() -> None:
    assert feedback_refusal("yes", status=Status.CLOSED, already_given=False) is None
    assert feedback_refusal("perhaps", status=Status.CLOSED, already_given=False) is not None
    assert feedback_refusal("yes", status=Status.CLOSED, already_given=True) is not None
    assert feedback_refusal("yes", status=Status.IN_PROGRESS, already_given=False) is not None
