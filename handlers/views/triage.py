"""Submissions of the team's forms: ask reporter, note, assign, status, close, referral."""

from __future__ import annotations

from typing import Protocol

from slack_bolt import App

from bot.domain.moves import Move, MoveDetails
from bot.domain.taxonomy import MEDIUM_TEXT_MAX, OUTCOMES, Stage
from bot.flows import team_forms
from bot.flows.context import AppContext
from bot.slack.ids import Block, Callback
from bot.slack.team_views import MESSAGE_MAX
from handlers.form_state import value_of
from handlers.team_form import Form, team_form


def register(app: App, context: AppContext) -> None:
    # A question to the reporter and a note each take one required text and one flow call.
    single_text_forms = (
        (Callback.ASK_REPORTER, Block.MESSAGE, "your question", team_forms.send_question),
        (Callback.ADD_NOTE, Block.NOTE, "the note", team_forms.save_note),
    )
    for callback, block, label, flow in single_text_forms:
        register_single_text(app, context, callback, block, label, flow)

    @team_form(app, context, Callback.ASSIGN, Block.OWNER)
    def submit_assign(form: Form) -> str | None:
        owner = value_of(form.view, Block.OWNER).get("selected_user")
        if not isinstance(owner, str) or not owner:
            form.errors[Block.OWNER] = "Choose who will own this concern."
            return None
        return team_forms.assign(
            context, form.concern_id, form.user, owner, submission_id=form.submission_id
        )

    def change_status(form: Form, move: Move, details: MoveDetails) -> str | None:
        return team_forms.change_status(
            context, form.concern_id, form.user, move, details, submission_id=form.submission_id
        )

    @team_form(app, context, Callback.UPDATE_STATUS, Block.STAGE)
    def submit_status(form: Form) -> str | None:
        stage = form.choice(
            Block.STAGE, {s.value for s in Stage}, "Choose where the concern is now."
        )
        message = reporter_message(form)
        if form.errors or stage is None:
            return None
        details = MoveDetails(stage=Stage(stage), reporter_message=message)
        return change_status(form, Move.UPDATE_STATUS, details)

    @team_form(app, context, Callback.CLOSE, Block.OUTCOME)
    def submit_close(form: Form) -> str | None:
        outcome = form.choice(Block.OUTCOME, OUTCOMES, "Choose an outcome from the list.")
        findings = form.text(
            Block.OUTCOME_TEXT,
            "what was found and what changed",
            required=True,
            limit=MEDIUM_TEXT_MAX * 3,
        )
        message = reporter_message(form)
        if form.errors or outcome is None:
            return None
        details = MoveDetails(outcome=outcome, findings=findings, reporter_message=message)
        return change_status(form, Move.CLOSE, details)

    @team_form(app, context, Callback.REFERRAL, Block.AUTHORITY)
    def submit_referral(form: Form) -> str | None:
        authority = form.text(Block.AUTHORITY, "the local authority", required=True, limit=120)
        reference = form.text(Block.REFERRAL_REFERENCE, "their reference", required=False, limit=80)
        made_on = form.picked_date(Block.REFERRAL_DATE)
        if problem := team_forms.referral_date_refusal(context, made_on):
            form.errors[Block.REFERRAL_DATE] = problem
        if form.errors or authority is None or made_on is None:
            return None
        return team_forms.save_referral(
            context,
            form.concern_id,
            form.user,
            authority=authority,
            made_on=made_on,
            reference=reference,
            submission_id=form.submission_id,
        )


def reporter_message(form: Form) -> str | None:
    """The optional message to the reporter that a status move or a close carries."""
    return form.text(Block.MESSAGE, "a message", required=False, limit=MESSAGE_MAX)


class TextFlow(Protocol):
    def __call__(
        self,
        context: AppContext,
        concern_id: str,
        user_id: str,
        text: str,
        /,
        *,
        submission_id: str,
    ) -> str | None: ...


def register_single_text(
    app: App,
    context: AppContext,
    callback: Callback,
    block: Block,
    label: str,
    flow: TextFlow,
) -> None:
    @team_form(app, context, callback, block)
    def submit(form: Form) -> str | None:
        text = form.text(block, label, required=True, limit=MESSAGE_MAX)
        if form.errors or text is None:
            return None
        return flow(context, form.concern_id, form.user, text, submission_id=form.submission_id)
