"""What the team may do to a concern in its current state, besides status moves.

Each rule answers with the words the person acting reads, or None when the action may go
ahead. Flows check them before changing anything; the card's buttons ask them before opening
a form, so nobody types a close-out for a concern that cannot be closed.
"""

from __future__ import annotations

from datetime import date
from enum import Enum, auto

from bot.domain.moves import ALLOWED_FROM, Move, refusal
from bot.domain.safeguarding import (
    ReferralFacts,
    chase_refusal,
    close_refusal,
    confirm_refusal,
    no_referral_refusal,
)
from bot.domain.taxonomy import FEEDBACK_ANSWERS, ConcernKind, Status

REFERRALS_ON_SAFEGUARDING_ONLY = "Referrals are recorded on safeguarding concerns only."


class TeamForm(Enum):
    """The card's buttons that open a form. Names only: Slack's action ids for the buttons
    are bot.slack.ids.Action, mapped to these where the buttons are handled."""

    ASSIGN = auto()
    ASK_REPORTER = auto()
    ADD_NOTE = auto()
    UPDATE_STATUS = auto()
    CLOSE = auto()
    RECORD_REFERRAL = auto()
    NO_REFERRAL = auto()
    CONFIRM_NO_REFERRAL = auto()
    REFERRAL_CHASED = auto()


# The safeguarding team's referral-decision forms (bot.domain.safeguarding).
REFERRAL_FORMS = frozenset(
    {
        TeamForm.RECORD_REFERRAL,
        TeamForm.NO_REFERRAL,
        TeamForm.CONFIRM_NO_REFERRAL,
        TeamForm.REFERRAL_CHASED,
    }
)


_FORM_MOVES: dict[TeamForm, Move] = {
    TeamForm.UPDATE_STATUS: Move.UPDATE_STATUS,
    TeamForm.CLOSE: Move.CLOSE,
}


def closed_refusal(reference: str) -> str:
    return f"{reference} is closed. Reopen it first."


def form_refusal(
    form: TeamForm,
    *,
    reference: str,
    kind: str,
    status: str,
    referral: ReferralFacts | None = None,
    user_id: str = "",
) -> str | None:
    """Why `form` cannot be used on a concern in this state, or None. `referral` is where a
    safeguarding concern's referral decision stands; `user_id` is who wants the form."""
    move = _FORM_MOVES.get(form)
    if move is not None and status not in ALLOWED_FROM[move]:
        return refusal(move, reference, status)
    if form in REFERRAL_FORMS and kind != ConcernKind.SAFEGUARDING:
        return REFERRALS_ON_SAFEGUARDING_ONLY
    if (form is TeamForm.ASSIGN or form in REFERRAL_FORMS) and status == Status.CLOSED:
        return closed_refusal(reference)
    facts = referral or ReferralFacts()
    if form is TeamForm.CLOSE and kind == ConcernKind.SAFEGUARDING:
        return close_refusal(reference, facts)
    if form is TeamForm.NO_REFERRAL:
        return no_referral_refusal(reference, facts)
    if form is TeamForm.CONFIRM_NO_REFERRAL:
        return confirm_refusal(reference, facts, user_id)
    if form is TeamForm.REFERRAL_CHASED:
        return chase_refusal(reference, facts)
    return None


def referral_date_problem(made_on: date | None, today: date) -> str | None:
    """A referral's date must be given and cannot be after today (the trust's today)."""
    if made_on is None:
        return "Pick the date the referral was made."
    if made_on > today:
        return "The referral date cannot be in the future."
    return None


def referral_ack_refusal(*, referral_made: bool, already_acknowledged: bool) -> str | None:
    if not referral_made:
        return "Record the referral first, then its acknowledgement."
    if already_acknowledged:
        return "The referral's acknowledgement is already recorded."
    return None


def feedback_refusal(answer: str | None, *, status: str, already_given: bool) -> str | None:
    """Whether a reporter's answer to "would you speak up again?" can be recorded."""
    if answer not in FEEDBACK_ANSWERS:
        return "Choose one of the answers."
    if already_given:
        return "Thank you: your feedback on this concern is already recorded."
    if status != Status.CLOSED:
        return "Feedback is asked for once the concern is closed."
    return None
