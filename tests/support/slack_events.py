"""Events API deliveries shaped as Slack sends them (its Events API documentation and
bolt-python's tests): the event_callback envelope, for a plain workspace install or an
Enterprise Grid org-wide one."""

from __future__ import annotations

import json
import time
from typing import Any

from bot.demo.simulator.identity import BOT_USER_ID
from tests.support.harness import Harness

TEAM = "T0SPEAKUP"
ENTERPRISE = "E0NHSTRUST"
APP = "A0SPEAKUP"
BOT_USER = BOT_USER_ID


def envelope(event: dict[str, Any], *, grid: bool, number: int) -> dict[str, Any]:
    """An event_callback as Slack delivers it; `grid` as to an org-wide Enterprise Grid app."""
    body: dict[str, Any] = {
        "token": "verification-token-unused",
        "team_id": TEAM,
        "api_app_id": APP,
        "event": {**event, "event_ts": f"{time.time():.6f}"},
        "type": "event_callback",
        "event_id": f"Ev0TEST{number:04d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": ENTERPRISE if grid else None,
                "team_id": None if grid else TEAM,
                "user_id": BOT_USER,
                "is_bot": True,
                "is_enterprise_install": grid,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-eyJldCI6InRlc3Qi{number:04d}",
    }
    if grid:
        body.update(
            {
                "enterprise_id": ENTERPRISE,
                "is_enterprise_install": True,
                "context_team_id": TEAM,
                "context_enterprise_id": ENTERPRISE,
            }
        )
    return body


def deliver(harness: Harness, body: dict[str, Any]) -> int:
    """POST a signed delivery to the app; its HTTP status."""
    return harness.workspace.post_signed(json.dumps(body), "application/json").status
