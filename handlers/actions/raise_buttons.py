"""Block actions: "Raise a concern" (App Home, DM welcome) and the raise modal's switches."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.taxonomy import ConcernKind
from bot.flows.context import AppContext
from bot.slack.ids import Action
from handlers.raise_flow import open_raise_modal, raise_view


def register(app: App, context: AppContext) -> None:
    def switch(kind: ConcernKind, body: dict[str, Any], client: WebClient) -> None:
        view = body["view"]
        client.views_update(
            view_id=view["id"], hash=view.get("hash"), view=raise_view(context, kind)
        )

    @app.action(Action.OPEN_RAISE.value)
    def open_raise(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        value = (body.get("actions") or [{}])[0].get("value")
        kind = (
            ConcernKind.SAFEGUARDING
            if value == ConcernKind.SAFEGUARDING.value
            else ConcernKind.SPEAK_UP
        )
        open_raise_modal(context, client, body["trigger_id"], kind)

    @app.action(Action.SWITCH_TO_SAFEGUARDING.value)
    def to_safeguarding(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        switch(ConcernKind.SAFEGUARDING, body, client)

    @app.action(Action.SWITCH_TO_SPEAK_UP.value)
    def to_speak_up(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        switch(ConcernKind.SPEAK_UP, body, client)
