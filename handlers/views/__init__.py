"""View submissions, one module per area: raise forms, guardian triage, reporters."""

from __future__ import annotations

from slack_bolt import App

from bot.flows.context import AppContext
from handlers.views import learning, raise_forms, receipt, record, reporter, safeguarding, triage


def register(app: App, context: AppContext) -> None:
    for module in (raise_forms, triage, safeguarding, reporter, receipt, record, learning):
        module.register(app, context)
