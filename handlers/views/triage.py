"""Submissions of the team's forms: ask reporter, note, assign, status, close, referral."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from sqlalchemy.orm import Session

from bot.domain.clock import local_today, utcnow
from bot.domain.taxonomy import MEDIUM_TEXT_MAX, OUTCOMES, Stage
from bot.flows.context import AppContext
from bot.flows.conversation import ask_reporter
from bot.flows.lifecycle import Move, MoveDetails
from bot.flows.team_actions import act, authorise, move, read_form_metadata
from bot.flows.triage import NotAllowed, add_note, assign_owner, record_referral
from bot.slack.copy import FORM_TAMPERED
from bot.slack.ids import Block, Callback
from bot.slack.raise_form import clean_text
from bot.slack.team_views import MESSAGE_MAX
from handlers.form_state import selected_value, value_of
from storage.models import Concern


class Form:
    """One submitted team form: who sent it, which concern it is about, and its answers."""

    def __init__(self, context: AppContext, callback: str, body: dict[str, Any]) -> None:
        self.context = context
        view = body.get("view")
        self.view: dict[str, Any] = view if isinstance(view, dict) else {}
        self.user: str = body["user"]["id"]
        self.submission_id = str(self.view.get("id") or "")
        self.concern_id = read_form_metadata(
            context, callback, self.view.get("private_metadata"), self.user
        )
        self.errors: dict[str, str] = {}

    def text(self, block: str, label: str, *, required: bool, limit: int) -> str | None:
        value, error = clean_text(
            value_of(self.view, block).get("value"), limit=limit, required=required, label=label
        )
        if error:
            self.errors[block] = error
        return value

    def apply(self, change: Callable[[Session, Concern], None], action: str) -> str | None:
        """Make the change once for this submission; a refusal message, or None when done."""
        assert self.concern_id is not None
        return act(
            self.context,
            self.concern_id,
            self.user,
            change,
            action=action,
            submission_id=self.submission_id,
        )

    def move(self, which: Move, details: MoveDetails) -> str | None:
        """A status move, once for this submission; a refusal message, or None when done."""
        assert self.concern_id is not None
        return move(
            self.context,
            self.concern_id,
            self.user,
            which,
            details,
            submission_id=self.submission_id,
        )

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

        def change(session: Session, concern: Concern) -> None:
            ask_reporter(
                session, context.vault, concern, question, actor_id=form.user, now=utcnow()
            )

        problem = form.apply(change, "ask_reporter")
        finish(ack, problem, Block.MESSAGE)

    @app.view(Callback.ADD_NOTE.value)
    def submit_note(ack: Ack, body: dict[str, Any]) -> None:
        form = Form(context, Callback.ADD_NOTE, body)
        if form.concern_id is None:
            return refuse(ack, {Block.NOTE: FORM_TAMPERED})
        note = form.text(Block.NOTE, "the note", required=True, limit=MESSAGE_MAX)
        if form.errors or note is None:
            return refuse(ack, form.errors)

        def change(session: Session, concern: Concern) -> None:
            add_note(session, context.vault, concern, note, actor_id=form.user, now=utcnow())

        problem = form.apply(change, "add_note")
        finish(ack, problem, Block.NOTE)

    @app.view(Callback.ASSIGN.value)
    def submit_assign(ack: Ack, body: dict[str, Any]) -> None:
        form = Form(context, Callback.ASSIGN, body)
        if form.concern_id is None:
            return refuse(ack, {Block.OWNER: FORM_TAMPERED})
        owner = value_of(form.view, Block.OWNER).get("selected_user")
        if not isinstance(owner, str) or not owner:
            return refuse(ack, {Block.OWNER: "Choose who will own this concern."})
        try:
            ref = authorise(context, form.concern_id, form.user)
            on_team = owner in context.team.members(ref.kind)
        except NotAllowed as refused:
            return refuse(ack, {Block.OWNER: str(refused)})
        if not on_team:
            return refuse(ack, {Block.OWNER: f"Choose one of {context.team.team_name(ref.kind)}."})

        def change(session: Session, concern: Concern) -> None:
            assign_owner(session, context.vault, concern, owner, actor_id=form.user, now=utcnow())

        problem = form.apply(change, "assign")
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
        problem = form.move(Move.UPDATE_STATUS, details)
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
        problem = form.move(Move.CLOSE, details)
        finish(ack, problem, Block.OUTCOME)

    @app.view(Callback.REFERRAL.value)
    def submit_referral(ack: Ack, body: dict[str, Any]) -> None:
        form = Form(context, Callback.REFERRAL, body)
        if form.concern_id is None:
            return refuse(ack, {Block.AUTHORITY: FORM_TAMPERED})
        authority = form.text(Block.AUTHORITY, "the local authority", required=True, limit=120)
        reference = form.text(Block.REFERRAL_REFERENCE, "their reference", required=False, limit=80)
        now = utcnow()
        timezone = context.policy.timezone
        picked = value_of(form.view, Block.REFERRAL_DATE).get("selected_date")
        made_on: date | None = None
        try:
            made_on = date.fromisoformat(picked) if isinstance(picked, str) else None
        except ValueError:
            made_on = None
        if made_on is None:
            form.errors[Block.REFERRAL_DATE] = "Pick the date the referral was made."
        elif made_on > local_today(now, timezone):
            form.errors[Block.REFERRAL_DATE] = "The referral date cannot be in the future."
        if form.errors or authority is None or made_on is None:
            return refuse(ack, form.errors)
        day = made_on

        def change(session: Session, concern: Concern) -> None:
            record_referral(
                session,
                context.vault,
                concern,
                authority=authority,
                made_on=day,
                reference=reference,
                actor_id=form.user,
                now=now,
                timezone=timezone,
            )

        problem = form.apply(change, "referral")
        finish(ack, problem, Block.AUTHORITY)
