"""The card's buttons. Each click is authorised from the verified user, never the button."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.clock import local_today
from bot.domain.moves import Move
from bot.domain.team_rules import TeamForm
from bot.flows import referral_forms, team_actions
from bot.flows.context import AppContext
from bot.flows.team_actions import act, authorise, move
from bot.flows.triage import NotAllowed, record_referral_acknowledged
from bot.slack import safeguarding_views, team_views
from bot.slack.details import show_details
from bot.slack.ids import Action, Callback
from bot.slack.pressed import pressed
from bot.slack.replies import tell
from bot.slack.signed_metadata import form_metadata

# The card's buttons that open a form, and the form each opens.
_FORMS: dict[Action, tuple[TeamForm, str]] = {
    Action.ASSIGN: (TeamForm.ASSIGN, Callback.ASSIGN),
    Action.ASK_REPORTER: (TeamForm.ASK_REPORTER, Callback.ASK_REPORTER),
    Action.ADD_NOTE: (TeamForm.ADD_NOTE, Callback.ADD_NOTE),
    Action.UPDATE_STATUS: (TeamForm.UPDATE_STATUS, Callback.UPDATE_STATUS),
    Action.CLOSE: (TeamForm.CLOSE, Callback.CLOSE),
    Action.RECORD_REFERRAL: (TeamForm.RECORD_REFERRAL, Callback.REFERRAL),
    Action.NO_REFERRAL: (TeamForm.NO_REFERRAL, Callback.NO_REFERRAL),
    Action.REFERRAL_CHASED: (TeamForm.REFERRAL_CHASED, Callback.REFERRAL_CHASED),
}


def register(app: App, context: AppContext) -> None:
    def one_click_move(action: Action, which: Move) -> None:
        @app.action(action.value)
        def handler(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            user, concern_id = pressed(body)
            if problem := move(context, concern_id, user, which):
                tell(client, body, problem)

    one_click_move(Action.ACKNOWLEDGE, Move.ACKNOWLEDGE)
    one_click_move(Action.REOPEN, Move.REOPEN)

    @app.action(Action.RECORD_REFERRAL_ACK.value)
    def referral_acknowledged(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user, concern_id = pressed(body)
        problem = act(
            context,
            concern_id,
            user,
            lambda session, concern: record_referral_acknowledged(
                session, context.vault, concern, actor_id=user, now=context.now()
            ),
            action="referral_ack",
        )
        if problem:
            tell(client, body, problem)

    @app.action(Action.VIEW_DETAILS.value)
    def details(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user, concern_id = pressed(body)
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
        form, callback = _FORMS[action]

        @app.action(action.value)
        def handler(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            user, concern_id = pressed(body)
            try:
                ref = team_actions.open_form(context, concern_id, user, form)
            except NotAllowed as refused:
                tell(client, body, str(refused))
                return
            metadata = form_metadata(context.vault.ring, callback, ref.id, user)
            today = local_today(context.now(), context.policy.timezone)
            client.views_open(
                trigger_id=body["trigger_id"],
                view=team_views.form_view(
                    form,
                    ref,
                    metadata,
                    today=today,
                    team_name=context.team.team_name(ref.kind),
                ),
            )

    for action in _FORMS:
        open_form(action)

    @app.action(Action.CONFIRM_NO_REFERRAL.value)
    def confirm_no_referral(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user, concern_id = pressed(body)
        try:
            ref = team_actions.open_form(context, concern_id, user, TeamForm.CONFIRM_NO_REFERRAL)
        except NotAllowed as refused:
            tell(client, body, str(refused))
            return
        try:  # one short read and decryption: well inside the trigger's life
            proposal = referral_forms.proposal_to_confirm(context, ref, user)
        except NotAllowed as refused:
            tell(client, body, str(refused))
            return
        metadata = form_metadata(context.vault.ring, Callback.CONFIRM_NO_REFERRAL, ref.id, user)
        client.views_open(
            trigger_id=body["trigger_id"],
            view=safeguarding_views.confirm_no_referral_view(ref.reference, metadata, proposal),
        )
