"""Submissions of the safeguarding team's referral-decision forms: no referral needed, its
confirmation by a second member, and an acknowledgement chased and not received."""

from __future__ import annotations

from slack_bolt import App

from bot.domain.safeguarding import DETAIL_MAX, NO_REFERRAL_REASONS, no_referral_detail_problem
from bot.flows import referral_forms
from bot.flows.context import AppContext
from bot.slack.ids import Block, Callback
from handlers.form_state import value_of
from handlers.team_form import Form, team_form


def register(app: App, context: AppContext) -> None:
    # Refusals about the detail (a duplicate of nothing) belong next to it.
    @team_form(
        app,
        context,
        Callback.NO_REFERRAL,
        Block.NO_REFERRAL_REASON,
        refusals_at=Block.NO_REFERRAL_DETAIL,
    )
    def submit_no_referral(form: Form) -> str | None:
        reason = form.choice(
            Block.NO_REFERRAL_REASON, NO_REFERRAL_REASONS, "Choose a reason from the list."
        )
        detail = form.text(
            Block.NO_REFERRAL_DETAIL, "the details", required=False, limit=DETAIL_MAX
        )
        problem = None if form.errors else no_referral_detail_problem(reason, detail)
        if problem:
            form.errors[Block.NO_REFERRAL_DETAIL] = problem
        if form.errors or reason is None:
            return None
        return referral_forms.save_no_referral(
            context,
            form.concern_id,
            form.user,
            reason=reason,
            detail=detail,
            submission_id=form.submission_id,
        )

    @team_form(app, context, Callback.CONFIRM_NO_REFERRAL, Block.CONFIRM)
    def submit_confirmation(form: Form) -> str | None:
        if not value_of(form.view, Block.CONFIRM).get("selected_options"):
            form.errors[Block.CONFIRM] = "Tick the box to confirm, or cancel."
            return None
        return referral_forms.save_no_referral_confirmation(
            context, form.concern_id, form.user, submission_id=form.submission_id
        )

    @team_form(app, context, Callback.REFERRAL_CHASED, Block.CHASED_ON)
    def submit_chase(form: Form) -> str | None:
        # A missing date is refused by the rules, with the same words as a wrong one.
        return referral_forms.save_referral_chased(
            context,
            form.concern_id,
            form.user,
            chased_on=form.picked_date(Block.CHASED_ON),
            submission_id=form.submission_id,
        )
