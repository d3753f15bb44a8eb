"""Bolt listeners, grouped by the Slack surface they serve; each module has `register`."""

from __future__ import annotations

from slack_bolt import App

from bot.flows.context import AppContext
from handlers import actions, commands, events, shortcuts, views


def register_listeners(app: App, context: AppContext) -> None:
    for module in (commands, shortcuts, views, actions, events):
        module.register(app, context)
