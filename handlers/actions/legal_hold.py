"""View details' "Place legal hold" and "Lift legal hold" (leads only).

The press goes through the command's flow (bot.flows.legal_hold), authorised from the
verified user: the button's value only says which concern is meant. Once the hold changed,
the modal is shown again as it now stands; the person is told the outcome either way.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.flows import legal_hold
from bot.flows.context import AppContext
from bot.slack.details import fill_details
from bot.slack.ids import Action
from bot.slack.pressed import pressed
from bot.slack.replies import tell


def register(app: App, context: AppContext) -> None:
    def button(action: Action, *, hold: bool) -> None:
        @app.action(action.value)
        def press(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            user, concern_id = pressed(body)
            answer = legal_hold.hold_from_details(context, user, concern_id, hold=hold)
            tell(client, body, answer.text)
            view_id = (body.get("view") or {}).get("id")
            if answer.changed_reference is not None and isinstance(view_id, str):
                fill_details(
                    context,
                    client,
                    view_id=view_id,
                    concern_id=concern_id,
                    reference=answer.changed_reference,
                    viewer_id=user,
                    tell=lambda text: tell(client, body, text),
                )

    button(Action.PLACE_LEGAL_HOLD, hold=True)
    button(Action.LIFT_LEGAL_HOLD, hold=False)
