"""A team form's submission, read once for every team form: who sent it, which concern its
signed metadata names, and its answers. `team_form` registers a submission listener that
refuses tampered metadata, runs the form's flow and answers Slack — so each listener holds only
its fields and its one flow call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import Ack, App

from bot.domain.text import clean_text
from bot.flows.context import AppContext
from bot.slack.copy import FORM_TAMPERED
from bot.slack.ids import Block, Callback
from bot.slack.signed_metadata import read_form_metadata
from handlers.form_state import selected_value, value_of


class Form:
    """One submitted team form whose metadata was verified for the person who sent it."""

    def __init__(self, view: dict[str, Any], user: str, concern_id: str) -> None:
        self.view = view
        self.user = user
        self.concern_id = concern_id
        self.submission_id = str(view.get("id") or "")
        self.errors: dict[str, str] = {}

    def text(self, block: str, label: str, *, required: bool, limit: int) -> str | None:
        value, error = clean_text(
            value_of(self.view, block).get("value"), limit=limit, required=required, label=label
        )
        if error:
            self.errors[block] = error
        return value

    def choice(self, block: str, allowed: set[str] | dict[str, str], missing: str) -> str | None:
        value = selected_value(self.view, block)
        if value is None or value not in allowed:
            self.errors[block] = missing
            return None
        return value

    def picked_date(self, block: str) -> date | None:
        """The date picker's day; missing or malformed reads as none, for the rules to refuse."""
        picked = value_of(self.view, block).get("selected_date")
        try:
            return date.fromisoformat(picked) if isinstance(picked, str) else None
        except ValueError:
            return None


# A form's handler returns the flow's refusal (None when it went through); field errors it
# found itself it leaves in `form.errors`, and they are answered instead of running anything.
FormHandler = Callable[[Form], str | None]


def team_form(
    app: App,
    context: AppContext,
    callback: Callback,
    block: Block,
    *,
    refusals_at: Block | None = None,
) -> Callable[[FormHandler], FormHandler]:
    """Register `handler` for `callback`: tampered metadata and refusals are shown at `block`
    (refusals at `refusals_at` where the flow's words belong to another field)."""

    def refuse(ack: Ack, errors: dict[str, str]) -> None:
        ack(response_action="errors", errors=errors)

    def decorate(handler: FormHandler) -> FormHandler:
        @app.view(callback.value)
        def submit(ack: Ack, body: dict[str, Any]) -> None:
            view = body.get("view")
            view = view if isinstance(view, dict) else {}
            user: str = body["user"]["id"]
            concern_id = read_form_metadata(
                context.vault.ring, callback, view.get("private_metadata"), user
            )
            if concern_id is None:
                return refuse(ack, {block: FORM_TAMPERED})
            form = Form(view, user, concern_id)
            problem = handler(form)
            if form.errors:
                refuse(ack, form.errors)
            elif problem:
                refuse(ack, {refusals_at or block: problem})
            else:
                ack()

        return handler

    return decorate
