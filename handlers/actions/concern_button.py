"""One way to listen for a concern's button: acknowledge at once, then answer as the verified
user who pressed it. A refusal the flows raise is told to that person privately; nothing else
happens, so each listener only says what a permitted press does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.flows.reporter_actions import ReporterRefused
from bot.flows.triage import NotAllowed
from bot.slack.copy import reporter_refusal
from bot.slack.ids import Action
from bot.slack.pressed import pressed
from bot.slack.replies import tell

# What a permitted press does: given Slack's client, the action's body, the user who pressed
# and the concern the button names.
Press = Callable[[WebClient, dict[str, Any], str, str], None]


def on_concern_button(app: App, action: Action, press: Press) -> None:
    """Register `press` for `action`; the flows' refusals become a private answer."""

    @app.action(action.value)
    def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user, concern_id = pressed(body)
        try:
            press(client, body, user, concern_id)
        except ReporterRefused as refused:
            tell(client, body, reporter_refusal(refused.why, refused.detail))
        except NotAllowed as refused:
            tell(client, body, str(refused))
