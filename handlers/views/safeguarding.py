"""Submissions of the safeguarding team's referral-decision forms: no referral needed, its
confirmation by a second member, and an acknowledgement chased and not received."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App

from bot.domain.safeguarding import DETAIL_MAX, NO_REFERRAL_REASONS, no_referral_detail_problem
from bot.flows import referral_forms
from bot.flows.context import AppContext
from bot.slack.copy import FORM_TAMPERED
from bot.slack.ids import Block, Callback
from handlers.form_state import value_of
from handlers.views.triage import Form


def register(app: App, context: AppContext) -> None:
    def refuse(ack: Ack, errors: dict[str, str]) -> None:
        ack(response_action="errors", errors=errors)

    def finish(ack: Ack, problem: str | None, block: str) -> None:
        if problem:
            refuse(ack, {block: problem})
        else:
            ack()

    @app.view(Callback.NO_REFERRAL.value)
    def submit_no_referral(ack: Ack, body: dict[str, Any]) -> None:
        form = Form(context, Callback.NO_REFERRAL, body)
        if form.concern_id is None:
            return refuse(ack, {Block.NO_REFERRAL_REASON: FORM_TAMPERED})
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
            return refuse(ack, form.errors)
        problem = referral_forms.save_no_referral(
            context,
            form.concern_id,
            form.user,
            reason=reason,
            detail=detail,
            submission_id=form.submission_id,
        )
        # Refusals about the detail (a duplicate of nothing) belong next to it.
        finish(ack, problem, Block.NO_REFERRAL_DETAIL)

    @app.view(Callback.CONFIRM_NO_REFERRAL.value)
    def submit_confirmation(ack: Ack, body: dict[str, Any]) -> None:
        form = Form(context, Callback.CONFIRM_NO_REFERRAL, body)
        if form.concern_id is None:
            return refuse(ack, {Block.CONFIRM: FORM_TAMPERED})
        if not value_of(form.view, Block.CONFIRM).get("selected_options"):
            return refuse(ack, {Block.CONFIRM: "Tick the box to confirm, or cancel."})
        problem = referral_forms.save_no_referral_confirmation(
            context, form.concern_id, form.user, submission_id=form.submission_id
        )
        finish(ack, problem, Block.CONFIRM)

    @app.view(Callback.REFERRAL_CHASED.value)
    def submit_chase(ack: Ack, body: dict[str, Any]) -> None:
        form = Form(context, Callback.REFERRAL_CHASED, body)
        if form.concern_id is None:
            return refuse(ack, {Block.CHASED_ON: FORM_TAMPERED})
        picked = value_of(form.view, Block.CHASED_ON).get("selected_date")
        try:
            chased_on = date.fromisoformat(picked) if isinstance(picked, str) else None
        except ValueError:
            chased_on = None
        # A missing date is refused by the rules, with the same words as a wrong one.
        problem = referral_forms.save_referral_chased(
            context,
            form.concern_id,
            form.user,
            chased_on=chased_on,
            submission_id=form.submission_id,
        )
        finish(ack, problem, Block.CHASED_ON)
