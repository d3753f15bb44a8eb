"""Events API listeners (App Home, DMs to the bot)."""

from __future__ import annotations

from slack_bolt import App

from bot.context import AppContext


def register(app: App, context: AppContext) -> None:
    return None
