"""The card's buttons. Each click is authorised from the verified user, never the button."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.domain.clock import local_today
from bot.domain.moves import Move
from bot.domain.team_rules import TeamForm
from bot.flows import referral_forms, team_actions
from bot.flows.context import AppContext
from bot.flows.team_actions import act, authorise, move
from bot.flows.triage import record_referral_acknowledged
from bot.slack import safeguarding_views, team_views
from bot.slack.details import show_details
from bot.slack.ids import Action, Callback
from bot.slack.replies import tell
from bot.slack.signed_metadata import form_metadata
from handlers.actions.concern_button import on_concern_button

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
        def moved(client: WebClient, body: dict[str, Any], user: str, concern_id: str) -> None:
            if problem := move(context, concern_id, user, which):
                tell(client, body, problem)

        on_concern_button(app, action, moved)

    one_click_move(Action.ACKNOWLEDGE, Move.ACKNOWLEDGE)
    one_click_move(Action.REOPEN, Move.REOPEN)

    def referral_acknowledged(
        client: WebClient, body: dict[str, Any], user: str, concern_id: str
    ) -> None:
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

    def details(client: WebClient, body: dict[str, Any], user: str, concern_id: str) -> None:
        ref = authorise(context, concern_id, user)
        show_details(
            context,
            client,
            concern_id=ref.id,
            reference=ref.reference,
            viewer_id=user,
            trigger_id=body["trigger_id"],
            tell=lambda text: tell(client, body, text),
        )

    on_concern_button(app, Action.RECORD_REFERRAL_ACK, referral_acknowledged)
    on_concern_button(app, Action.VIEW_DETAILS, details)

    def open_form(action: Action) -> None:
        form, callback = _FORMS[action]

        def opened(client: WebClient, body: dict[str, Any], user: str, concern_id: str) -> None:
            ref = team_actions.open_form(context, concern_id, user, form)
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

        on_concern_button(app, action, opened)

    for action in _FORMS:
        open_form(action)

    def confirm_no_referral(
        client: WebClient, body: dict[str, Any], user: str, concern_id: str
    ) -> None:
        ref = team_actions.open_form(context, concern_id, user, TeamForm.CONFIRM_NO_REFERRAL)
        # One short read and decryption: well inside the trigger's life.
        proposal = referral_forms.proposal_to_confirm(context, ref, user)
        metadata = form_metadata(context.vault.ring, Callback.CONFIRM_NO_REFERRAL, ref.id, user)
        client.views_open(
            trigger_id=body["trigger_id"],
            view=safeguarding_views.confirm_no_referral_view(ref.reference, metadata, proposal),
        )

    on_concern_button(app, Action.CONFIRM_NO_REFERRAL, confirm_no_referral)
