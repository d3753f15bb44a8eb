"""Submissions of the team's forms: ask reporter, note, assign, status, close, referral."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App

from bot.domain.moves import Move, MoveDetails
from bot.domain.taxonomy import MEDIUM_TEXT_MAX, OUTCOMES, Stage
from bot.domain.text import clean_text
from bot.flows import team_forms
from bot.flows.context import AppContext
from bot.slack.copy import FORM_TAMPERED
from bot.slack.ids import Block, Callback
from bot.slack.signed_metadata import read_form_metadata
from bot.slack.team_views import MESSAGE_MAX
from handlers.form_state import selected_value, value_of


class Form:
    """One submitted team form: who sent it, which concern it is about, and its answers."""

    def __init__(self, context: AppContext, callback: str, body: dict[str, Any]) -> None:
        self.context = context
        view = body.get("view")
        self.view: dict[str, Any] = view if isinstance(view, dict) else {}
        self.user: str = body["user"]["id"]
        self.submission_id = str(self.view.get("id") or "")
        self.concern_id = read_form_metadata(
            context.vault.ring, callback, self.view.get("private_metadata"), self.user
        )
        self.errors: dict[str, str] = {}

    def text(self, block: str, label: str, *, required: bool, limit: int) -> str | None:
        value, error = clean_text(
            value_of(self.view, block).get("value"), limit=limit, required=required, label=label
        )
        if error:
            self.errors[block] = error
        return value

    def choice(self, block: str, allowed: set[str] | dict[str, str], missing: str) -> str | None:
        value = selected_value(self.view, block)
        if value is None or value not in allowed:
            self.errors[block] = missing
            return None
        return value


def register(app: App, context: AppContext) -> None:
    def refuse(ack: Ack, errors: dict[str, str]) -> None:
        ack(response_action="errors", errors=errors)

    def finish(ack: Ack, problem: str | None, block: str) -> None:
        if problem:
            refuse(ack, {block: problem})
        else:
            ack()

    @app.view(Callback.ASK_REPORTER.value)
    def submit_question(ack: Ack, body: dict[str, Any]) -> None:
        form = Form(context, Callback.ASK_REPORTER, body)
        if form.concern_id is None:
            return refuse(ack, {Block.MESSAGE: FORM_TAMPERED})
        question = form.text(Block.MESSAGE, "your question", required=True, limit=MESSAGE_MAX)
        if form.errors or question is None:
            return refuse(ack, form.errors)
        problem = team_forms.send_question(
            context, form.concern_id, form.user, question, submission_id=form.submission_id
        )
        finish(ack, problem, Block.MESSAGE)

    @app.view(Callback.ADD_NOTE.value)
    def submit_note(ack: Ack, body: dict[str, Any]) -> None:
        form = Form(context, Callback.ADD_NOTE, body)
        if form.concern_id is None:
            return refuse(ack, {Block.NOTE: FORM_TAMPERED})
        note = form.text(Block.NOTE, "the note", required=True, limit=MESSAGE_MAX)
        if form.errors or note is None:
            return refuse(ack, form.errors)
        problem = team_forms.save_note(
            context, form.concern_id, form.user, note, submission_id=form.submission_id
        )
        finish(ack, problem, Block.NOTE)

    @app.view(Callback.ASSIGN.value)
    def submit_assign(ack: Ack, body: dict[str, Any]) -> None:
        form = Form(context, Callback.ASSIGN, body)
        if form.concern_id is None:
            return refuse(ack, {Block.OWNER: FORM_TAMPERED})
        owner = value_of(form.view, Block.OWNER).get("selected_user")
        if not isinstance(owner, str) or not owner:
            return refuse(ack, {Block.OWNER: "Choose who will own this concern."})
        problem = team_forms.assign(
            context, form.concern_id, form.user, owner, submission_id=form.submission_id
        )
        finish(ack, problem, Block.OWNER)

    @app.view(Callback.UPDATE_STATUS.value)
    def submit_status(ack: Ack, body: dict[str, Any]) -> None:
        form = Form(context, Callback.UPDATE_STATUS, body)
        if form.concern_id is None:
            return refuse(ack, {Block.STAGE: FORM_TAMPERED})
        stage = form.choice(
            Block.STAGE, {s.value for s in Stage}, "Choose where the concern is now."
        )
        message = form.text(Block.MESSAGE, "a message", required=False, limit=MESSAGE_MAX)
        if form.errors or stage is None:
            return refuse(ack, form.errors)
        details = MoveDetails(stage=Stage(stage), reporter_message=message)
        problem = team_forms.change_status(
            context,
            form.concern_id,
            form.user,
            Move.UPDATE_STATUS,
            details,
            submission_id=form.submission_id,
        )
        finish(ack, problem, Block.STAGE)

    @app.view(Callback.CLOSE.value)
    def submit_close(ack: Ack, body: dict[str, Any]) -> None:
        form = Form(context, Callback.CLOSE, body)
        if form.concern_id is None:
            return refuse(ack, {Block.OUTCOME: FORM_TAMPERED})
        outcome = form.choice(Block.OUTCOME, OUTCOMES, "Choose an outcome from the list.")
        findings = form.text(
            Block.OUTCOME_TEXT,
            "what was found and what changed",
            required=True,
            limit=MEDIUM_TEXT_MAX * 3,
        )
        message = form.text(Block.MESSAGE, "a message", required=False, limit=MESSAGE_MAX)
        if form.errors or outcome is None:
            return refuse(ack, form.errors)
        details = MoveDetails(outcome=outcome, findings=findings, reporter_message=message)
        problem = team_forms.change_status(
            context,
            form.concern_id,
            form.user,
            Move.CLOSE,
            details,
            submission_id=form.submission_id,
        )
        finish(ack, problem, Block.OUTCOME)

    @app.view(Callback.REFERRAL.value)
    def submit_referral(ack: Ack, body: dict[str, Any]) -> None:
        form = Form(context, Callback.REFERRAL, body)
        if form.concern_id is None:
            return refuse(ack, {Block.AUTHORITY: FORM_TAMPERED})
        authority = form.text(Block.AUTHORITY, "the local authority", required=True, limit=120)
        reference = form.text(Block.REFERRAL_REFERENCE, "their reference", required=False, limit=80)
        picked = value_of(form.view, Block.REFERRAL_DATE).get("selected_date")
        try:
            made_on = date.fromisoformat(picked) if isinstance(picked, str) else None
        except ValueError:
            made_on = None
        if problem := team_forms.referral_date_refusal(context, made_on):
            form.errors[Block.REFERRAL_DATE] = problem
        if form.errors or authority is None or made_on is None:
            return refuse(ack, form.errors)
        problem = team_forms.save_referral(
            context,
            form.concern_id,
            form.user,
            authority=authority,
            made_on=made_on,
            reference=reference,
            submission_id=form.submission_id,
        )
        finish(ack, problem, Block.AUTHORITY)
