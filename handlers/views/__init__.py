"""View submissions, one module per area: raise forms, guardian triage, reporters."""

from __future__ import annotations

from slack_bolt import App

from bot.context import AppContext
from handlers.views import raise_forms, reporter, triage


def register(app: App, context: AppContext) -> None:
    for module in (raise_forms, triage, reporter):
        module.register(app, context)
