"""What happens when a listener fails: a log line that explains it without leaking anything,
and a private word to the person, instead of Slack's generic failure.

A database error's text carries the statement's parameters (which may be what a reporter
typed), so only the error's type is logged, with the concern reference when one is known.
"""

from __future__ import annotations

import json
from typing import Any

import structlog
from slack_bolt import BoltResponse
from slack_sdk import WebClient

from bot.slack.replies import tell

log = structlog.stdlib.get_logger("speakup.listeners")

SOMETHING_WENT_WRONG = (
    "Something went wrong on our side. Nothing you sent was lost; please try again in a minute."
)
_PUSHED_TITLE = "Please try again"


def _surface(body: dict[str, Any]) -> str:
    if body.get("command"):
        return "command"
    kind = body.get("type")
    return str(kind) if isinstance(kind, str) else "unknown"


def _listener_id(body: dict[str, Any]) -> str | None:
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return str(actions[0].get("action_id") or "")[:80]
    view = body.get("view")
    if isinstance(view, dict) and body.get("type") in ("view_submission", "view_closed"):
        return str(view.get("callback_id") or "")[:80]
    if body.get("callback_id"):
        return str(body.get("callback_id"))[:80]
    event = body.get("event")
    if isinstance(event, dict):
        return str(event.get("type") or "")[:80]
    return None


def _try_again_view() -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": _PUSHED_TITLE},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": SOMETHING_WENT_WRONG
                    + " Press *Back*: your form is still there, as you left it.",
                },
            }
        ],
    }


def handle_listener_error(
    error: Exception,
    body: dict[str, Any],
    client: WebClient,
    response: BoltResponse | None,
) -> BoltResponse | None:
    """Bolt's error handler: log, then answer the person where Slack still lets us."""
    reference = structlog.contextvars.get_contextvars().get("reference")
    log.error(
        "listener.failed",
        surface=_surface(body),
        listener=_listener_id(body),
        error=type(error).__name__,
        reference=reference,
    )
    structlog.contextvars.clear_contextvars()
    if body.get("type") == "view_submission" and response is not None:
        # Not yet answered: push a small modal over the form, so nothing typed is lost.
        return BoltResponse(
            status=200,
            body=json.dumps({"response_action": "push", "view": _try_again_view()}),
            headers={"content-type": ["application/json"]},
        )
    try:
        if body.get("user") or body.get("user_id"):
            tell(client, _with_user(body), SOMETHING_WENT_WRONG)
    except Exception as exc:  # Slack itself may be what failed
        log.warning("listener.failure_not_told", error=type(exc).__name__, reference=reference)
    return None


def _with_user(body: dict[str, Any]) -> dict[str, Any]:
    # Slash commands carry user_id and channel_id at the top level; actions nest them.
    if "user" in body:
        return body
    return {**body, "user": {"id": body.get("user_id")}, "channel": {"id": body.get("channel_id")}}
