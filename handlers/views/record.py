"""View submission: a guardian's recording of a concern raised outside the app."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.flows import team_forms
from bot.flows.context import AppContext
from bot.slack.copy import FORM_TAMPERED
from bot.slack.ids import Block, Callback
from bot.slack.raise_parsing import state_values
from bot.slack.record_answers import submit_record
from bot.slack.recording_views import parse_edit
from bot.slack.signed_metadata import read_form_metadata


def register(app: App, context: AppContext) -> None:
    @app.view(Callback.RECORD_CONCERN.value)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack(**submit_record(context, body["user"]["id"], view))
        context.wake_outbox()

    @app.view(Callback.EDIT_RECORDING.value)
    def submit_edit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        concern_id = read_form_metadata(
            context.vault.ring, Callback.EDIT_RECORDING, view.get("private_metadata"), user
        )
        if concern_id is None:
            ack(response_action="errors", errors={Block.ELEMENTS: FORM_TAMPERED})
            return
        fields, errors = parse_edit(state_values(view))
        if fields is not None:
            errors = team_forms.correct_recording(
                context, concern_id, user, fields, submission_id=str(view.get("id") or "")
            )
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
