"""Submissions of the team's forms: ask reporter, note, assign, status, close, referral."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.context import AppContext
from bot.conversation import ask_reporter
from bot.ids import Block, Callback
from bot.lifecycle import Move, MoveDetails
from bot.raise_form import clean_text
from bot.taxonomy import MEDIUM_TEXT_MAX, OUTCOMES, Stage
from bot.triage import NotAllowed, add_note, assign_owner, record_referral
from bot.triage_flow import act, authorise, move, read_form_metadata
from bot.triage_views import MESSAGE_MAX
from storage.models import Concern

TAMPERED = "This form was changed on its way back to us. Please close it and start again."


def _value(view: dict[str, Any], block: str) -> dict[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    element = (values.get(block) or {}).get(block)
    return element if isinstance(element, dict) else {}


def _errors(ack: Ack, errors: dict[str, str]) -> None:
    ack(response_action="errors", errors=errors)


def register(app: App, context: AppContext) -> None:
    def concern_for(callback: str, body: dict[str, Any], view: dict[str, Any]) -> str | None:
        return read_form_metadata(
            context, callback, view.get("private_metadata"), body["user"]["id"]
        )

    def text(
        view: dict[str, Any],
        block: str,
        label: str,
        *,
        required: bool,
        limit: int,
        errors: dict[str, str],
    ) -> str | None:
        value, error = clean_text(
            _value(view, block).get("value"), limit=limit, required=required, label=label
        )
        if error:
            errors[block] = error
        return value

    def finish(ack: Ack, problem: str | None, block: str) -> None:
        if problem:
            _errors(ack, {block: problem})
        else:
            ack()

    @app.view(Callback.ASK_REPORTER.value)
    def submit_question(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        concern_id = concern_for(Callback.ASK_REPORTER, body, view)
        if concern_id is None:
            return _errors(ack, {Block.MESSAGE: TAMPERED})
        errors: dict[str, str] = {}
        question = text(
            view, Block.MESSAGE, "your question", required=True, limit=MESSAGE_MAX, errors=errors
        )
        if errors or question is None:
            return _errors(ack, errors)

        def change(session: Session, concern: Concern) -> None:
            ask_reporter(session, context.vault, concern, question, actor_id=user, now=utcnow())

        finish(ack, act(context, concern_id, user, change, action="ask_reporter"), Block.MESSAGE)

    @app.view(Callback.ADD_NOTE.value)
    def submit_note(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        concern_id = concern_for(Callback.ADD_NOTE, body, view)
        if concern_id is None:
            return _errors(ack, {Block.NOTE: TAMPERED})
        errors: dict[str, str] = {}
        note = text(view, Block.NOTE, "the note", required=True, limit=MESSAGE_MAX, errors=errors)
        if errors or note is None:
            return _errors(ack, errors)

        def change(session: Session, concern: Concern) -> None:
            add_note(session, context.vault, concern, note, actor_id=user, now=utcnow())

        finish(ack, act(context, concern_id, user, change, action="add_note"), Block.NOTE)

    @app.view(Callback.ASSIGN.value)
    def submit_assign(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        concern_id = concern_for(Callback.ASSIGN, body, view)
        if concern_id is None:
            return _errors(ack, {Block.OWNER: TAMPERED})
        owner = _value(view, Block.OWNER).get("selected_user")
        if not isinstance(owner, str) or not owner:
            return _errors(ack, {Block.OWNER: "Choose who will own this concern."})
        try:
            ref = authorise(context, concern_id, user)
        except NotAllowed as refused:
            return _errors(ack, {Block.OWNER: str(refused)})
        if owner not in context.team.members(ref.kind):
            return _errors(ack, {Block.OWNER: f"Choose one of {context.team.team_name(ref.kind)}."})

        def change(session: Session, concern: Concern) -> None:
            assign_owner(session, concern, owner, actor_id=user, now=utcnow())

        finish(ack, act(context, concern_id, user, change, action="assign"), Block.OWNER)

    @app.view(Callback.UPDATE_STATUS.value)
    def submit_status(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        concern_id = concern_for(Callback.UPDATE_STATUS, body, view)
        if concern_id is None:
            return _errors(ack, {Block.STAGE: TAMPERED})
        stage = (_value(view, Block.STAGE).get("selected_option") or {}).get("value")
        errors: dict[str, str] = {}
        if stage not in {s.value for s in Stage}:
            errors[Block.STAGE] = "Choose where the concern is now."
        message = text(
            view, Block.MESSAGE, "a message", required=False, limit=MESSAGE_MAX, errors=errors
        )
        if errors:
            return _errors(ack, errors)
        details = MoveDetails(stage=Stage(str(stage)), reporter_message=message)
        finish(ack, move(context, concern_id, user, Move.UPDATE_STATUS, details), Block.STAGE)

    @app.view(Callback.CLOSE.value)
    def submit_close(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        concern_id = concern_for(Callback.CLOSE, body, view)
        if concern_id is None:
            return _errors(ack, {Block.OUTCOME: TAMPERED})
        outcome = (_value(view, Block.OUTCOME).get("selected_option") or {}).get("value")
        errors: dict[str, str] = {}
        if outcome not in OUTCOMES:
            errors[Block.OUTCOME] = "Choose an outcome from the list."
        findings = text(
            view,
            Block.OUTCOME_TEXT,
            "what was found and what changed",
            required=True,
            limit=MEDIUM_TEXT_MAX * 3,
            errors=errors,
        )
        message = text(
            view, Block.MESSAGE, "a message", required=False, limit=MESSAGE_MAX, errors=errors
        )
        if errors:
            return _errors(ack, errors)
        details = MoveDetails(outcome=outcome, findings=findings, reporter_message=message)
        finish(ack, move(context, concern_id, user, Move.CLOSE, details), Block.OUTCOME)

    @app.view(Callback.REFERRAL.value)
    def submit_referral(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        concern_id = concern_for(Callback.REFERRAL, body, view)
        if concern_id is None:
            return _errors(ack, {Block.AUTHORITY: TAMPERED})
        errors: dict[str, str] = {}
        authority = text(
            view, Block.AUTHORITY, "the local authority", required=True, limit=120, errors=errors
        )
        reference = text(
            view,
            Block.REFERRAL_REFERENCE,
            "their reference",
            required=False,
            limit=80,
            errors=errors,
        )
        made_on: date | None = None
        try:
            made_on = date.fromisoformat(
                str(_value(view, Block.REFERRAL_DATE).get("selected_date"))
            )
        except ValueError:
            errors[Block.REFERRAL_DATE] = "Pick the date the referral was made."
        if made_on is not None and made_on > utcnow().date():
            errors[Block.REFERRAL_DATE] = "The referral date cannot be in the future."
        if errors or authority is None or made_on is None:
            return _errors(ack, errors)
        day = made_on

        def change(session: Session, concern: Concern) -> None:
            record_referral(
                session,
                context.vault,
                concern,
                authority=authority,
                made_on=day,
                reference=reference,
                actor_id=user,
                now=utcnow(),
            )

        finish(ack, act(context, concern_id, user, change, action="referral"), Block.AUTHORITY)
