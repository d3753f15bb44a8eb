"""The guardians' "Record a concern" button (their Home tab and their daily digest)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.clock import local_today
from bot.flows import team_forms
from bot.flows.context import AppContext
from bot.flows.recording import NotAGuardian
from bot.slack import recording_views
from bot.slack.ids import Action, Callback
from bot.slack.record_answers import record_view
from bot.slack.replies import tell
from bot.slack.signed_metadata import form_metadata
from handlers.actions.concern_button import on_concern_button


def register(app: App, context: AppContext) -> None:
    @app.action(Action.RECORD_CONCERN.value)
    def record(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            view = record_view(context, body["user"]["id"])
        except NotAGuardian as refused:
            tell(client, body, str(refused))
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def edit_recording(client: WebClient, body: dict[str, Any], user: str, concern_id: str) -> None:
        fields = team_forms.current_recording(context, concern_id, user)
        metadata = form_metadata(context.vault.ring, Callback.EDIT_RECORDING, concern_id, user)
        today = local_today(context.now(), context.policy.timezone)
        view = recording_views.edit_recording_view(
            _reference_of(body), metadata, fields, today=today
        )
        client.views_push(trigger_id=body["trigger_id"], view=view)

    on_concern_button(app, Action.EDIT_RECORDING, edit_recording)


def _reference_of(body: dict[str, Any]) -> str:
    """The concern's reference from the details modal's header, for the form's title."""
    for block in body.get("view", {}).get("blocks", []):
        if block.get("type") == "header":
            return str(block.get("text", {}).get("text", "")).rsplit(" ", 1)[-1]
    return ""
