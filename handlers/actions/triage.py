"""The card's buttons. Each click is authorised from the verified user, never the button."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.clock import local_today, utcnow
from bot.flows.context import AppContext
from bot.flows.lifecycle import ALLOWED_FROM, Move, refusal
from bot.flows.team_actions import act, authorise, form_metadata, move
from bot.flows.triage import NotAllowed, find_concern, record_referral_acknowledged
from bot.slack import team_views as triage_views
from bot.slack.details import show_details
from bot.slack.ids import Action, Callback
from handlers.replies import tell

# Buttons that open a form, with the status move their form would make (for an early refusal).
_FORMS: dict[Action, Move | None] = {
    Action.ASSIGN: None,
    Action.ASK_REPORTER: None,
    Action.ADD_NOTE: None,
    Action.UPDATE_STATUS: Move.UPDATE_STATUS,
    Action.CLOSE: Move.CLOSE,
    Action.RECORD_REFERRAL: None,
}


def register(app: App, context: AppContext) -> None:
    def user_and_concern(body: dict[str, Any]) -> tuple[str, str]:
        return body["user"]["id"], str(body["actions"][0].get("value") or "")

    def one_click_move(action: Action, which: Move) -> None:
        @app.action(action.value)
        def handler(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            user, concern_id = user_and_concern(body)
            if problem := move(context, concern_id, user, which):
                tell(client, body, problem)

    one_click_move(Action.ACKNOWLEDGE, Move.ACKNOWLEDGE)
    one_click_move(Action.REOPEN, Move.REOPEN)

    @app.action(Action.RECORD_REFERRAL_ACK.value)
    def referral_acknowledged(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user, concern_id = user_and_concern(body)
        problem = act(
            context,
            concern_id,
            user,
            lambda session, concern: record_referral_acknowledged(
                session, concern, actor_id=user, now=utcnow()
            ),
            action="referral_ack",
        )
        if problem:
            tell(client, body, problem)

    @app.action(Action.VIEW_DETAILS.value)
    def details(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user, concern_id = user_and_concern(body)
        try:
            ref = authorise(context, concern_id, user)
        except NotAllowed as refused:
            tell(client, body, str(refused))
            return
        show_details(
            context,
            client,
            concern_id=ref.id,
            reference=ref.reference,
            viewer_id=user,
            trigger_id=body["trigger_id"],
            tell=lambda text: tell(client, body, text),
        )

    def open_form(action: Action) -> None:
        @app.action(action.value)
        def handler(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            user, concern_id = user_and_concern(body)
            try:
                ref = authorise(context, concern_id, user)
            except NotAllowed as refused:
                tell(client, body, str(refused))
                return
            planned = _FORMS[action]
            if planned is not None and ref.status not in ALLOWED_FROM[planned]:
                with context.db.transaction() as session:
                    concern = find_concern(session, ref.id)
                    assert concern is not None
                    message = refusal(planned, concern)
                tell(client, body, message)
                return
            if action is Action.ASSIGN and ref.status == "closed":
                tell(client, body, f"{ref.reference} is closed. Reopen it first.")
                return
            callback = _CALLBACKS[action]
            metadata = form_metadata(context, callback, ref.id, user)
            if action is Action.ASSIGN:
                view = triage_views.assign_view(
                    ref.reference, metadata, context.team.team_name(ref.kind)
                )
            elif action is Action.ASK_REPORTER:
                view = triage_views.ask_reporter_view(
                    ref.reference, metadata, no_contact=ref.no_contact
                )
            elif action is Action.ADD_NOTE:
                view = triage_views.add_note_view(ref.reference, metadata)
            elif action is Action.UPDATE_STATUS:
                view = triage_views.update_status_view(ref.reference, metadata)
            elif action is Action.CLOSE:
                view = triage_views.close_view(ref.reference, metadata)
            else:
                if ref.kind.value != "safeguarding":
                    tell(client, body, "Referrals are recorded on safeguarding concerns only.")
                    return
                view = triage_views.referral_view(
                    ref.reference,
                    metadata,
                    local_today(utcnow(), context.policy.timezone).isoformat(),
                )
            client.views_open(trigger_id=body["trigger_id"], view=view)

    for action in _FORMS:
        open_form(action)


_CALLBACKS: dict[Action, str] = {
    Action.ASSIGN: Callback.ASSIGN,
    Action.ASK_REPORTER: Callback.ASK_REPORTER,
    Action.ADD_NOTE: Callback.ADD_NOTE,
    Action.UPDATE_STATUS: Callback.UPDATE_STATUS,
    Action.CLOSE: Callback.CLOSE,
    Action.RECORD_REFERRAL: Callback.REFERRAL,
}
