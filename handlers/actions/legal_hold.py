"""View details' "Place legal hold" and "Lift legal hold" (leads only).

The press goes through the command's flow (bot.flows.legal_hold), authorised from the
verified user: the button's value only says which concern is meant. Once the hold changed,
the modal is shown again as it now stands; the person is told the outcome either way.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.flows import legal_hold
from bot.flows.context import AppContext
from bot.slack.details import fill_details
from bot.slack.ids import Action
from bot.slack.replies import tell
from handlers.actions.concern_button import on_concern_button


def register(app: App, context: AppContext) -> None:
    def button(action: Action, *, hold: bool) -> None:
        def press(client: WebClient, body: dict[str, Any], user: str, concern_id: str) -> None:
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

        on_concern_button(app, action, press)

    button(Action.PLACE_LEGAL_HOLD, hold=True)
    button(Action.LIFT_LEGAL_HOLD, hold=False)
