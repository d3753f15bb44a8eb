"""What `/readyz` adds beyond "the database answers": Slack's word on the bot token, and
whether cards are reaching their channels.

A refused token makes the service not ready (503): nothing can reach Slack until a person
fixes it. Stalled delivery does not (200): concerns are still taken and kept, and the body
says "delivery": "stalled" with the age of the oldest card waiting, for monitoring to alert on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.flows.context import AppContext
from bot.flows.delivery_health import oldest_stuck
from bot.slack.token_state import SlackToken


@dataclass(frozen=True)
class Readiness:
    context: AppContext
    token: SlackToken

    def refused(self) -> str | None:
        """Why Slack is unusable (a refused bot token), or None."""
        refusal = self.token.refusal
        if refusal is None:
            return None
        return f"Slack refuses the bot token ({refusal}): reinstall the app, update SLACK_BOT_TOKEN"

    def delivery(self) -> dict[str, Any]:
        """{} while delivery keeps up; otherwise "stalled" and the oldest wait in seconds."""
        now = self.context.now()
        try:
            with self.context.db.transaction() as session:
                since = oldest_stuck(session, self.context.policy.alarms, now)
        except SQLAlchemyError:
            return {}  # the ping answered a moment ago; this probe says nothing more
        if since is None:
            return {}
        return {"delivery": "stalled", "oldest_waiting_seconds": int((now - since).total_seconds())}
