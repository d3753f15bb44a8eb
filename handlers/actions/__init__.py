"""Block actions, one module per area: raise-modal buttons, guardian triage, reporters,
recording and legal hold from View details."""

from __future__ import annotations

from slack_bolt import App

from bot.flows.context import AppContext
from handlers.actions import aftercare, legal_hold, raise_buttons, receipt, record, reporter, triage


def register(app: App, context: AppContext) -> None:
    for module in (raise_buttons, triage, reporter, receipt, record, aftercare, legal_hold):
        module.register(app, context)
