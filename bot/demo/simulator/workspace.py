"""The people side of a simulated Slack workspace: what Slack sends a running app when people
use it — slash commands, shortcuts, clicks, form submissions and events — signed with the
app's secret (or over Socket Mode). Clicks and forms live in `workspace_interactions`, signing
and sending in `workspace_transport`, reading forms in `view_state` and `block_elements`."""

from __future__ import annotations

import copy
import json
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.demo.simulator.block_elements import find_button
from bot.demo.simulator.identity import APP_ID, BOT_USER_ID, TEAM_DOMAIN
from bot.demo.simulator.view_state import view_state_values
from bot.demo.simulator.workspace_interactions import Interactions
from bot.demo.simulator.workspace_transport import (
    JSON,
    VERIFICATION_TOKEN,
    HttpResult,
    action_ts,
)

__all__ = ["HttpResult", "SlackWorkspace", "find_button", "view_state_values"]

JsonDict = dict[str, Any]


class SlackWorkspace(Interactions):
    """Sends an app what Slack sends it when people use it, signed with the app's secret."""

    # -- commands and shortcuts --------------------------------------------------------

    def slash_command(
        self,
        user_id: str,
        command: str = "/speakup",
        text: str = "",
        channel_id: str | None = None,
        *,
        channel_name: str | None = None,
    ) -> HttpResult:
        """Type a slash command; by default in the user's DM with the bot."""
        channel = channel_id or self.emulator.im_channel_id(user_id)
        if channel_name is None:
            channel_name = "directmessage" if channel.startswith("D") else "general"
        trigger_id = self.mint_trigger_id(user_id)
        response_url = self.emulator.new_response_url()
        result = self._post_form(
            {
                "token": VERIFICATION_TOKEN,
                "team_id": self.team_id,
                "team_domain": TEAM_DOMAIN,
                "channel_id": channel,
                "channel_name": channel_name,
                "user_id": user_id,
                "user_name": self.username(user_id),
                "command": command,
                "text": text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": response_url,
                "trigger_id": trigger_id,
            }
        )
        return replace(result, trigger_id=trigger_id, response_url=response_url)

    def global_shortcut(self, user_id: str, callback_id: str) -> HttpResult:
        """Choose a global shortcut from Slack's shortcut menu."""
        trigger_id = self.mint_trigger_id(user_id)
        payload = self._interaction("shortcut", user_id, trigger_id)
        payload.update({"callback_id": callback_id, "action_ts": action_ts()})
        return replace(self._post_payload(payload), trigger_id=trigger_id)

    # -- events -------------------------------------------------------------------------------

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> HttpResult:
        """Deliver an Events API event; give `retry_num` to send it as Slack's retry."""
        event_id = event_id or f"Ev{secrets.token_hex(5).upper()}"
        body = dict(copy.deepcopy(event))
        body.setdefault("event_ts", action_ts())
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "api_app_id": APP_ID,
            "event": body,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_urlsafe(24)}",
        }
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        if self.socket_mode is not None:
            result = self._send_envelope(
                "events_api",
                envelope,
                retry_attempt=retry_num or 0,
                retry_reason=retry_reason if retry_num else "",
            )
        else:
            result = self.post_signed(json.dumps(envelope), JSON, headers=headers)
        return replace(result, event_id=event_id)

    def app_home_opened(self, user_id: str, tab: str = "home") -> HttpResult:
        """Open the app's Home (or Messages) tab."""
        event: JsonDict = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.emulator.im_channel_id(user_id),
            "tab": tab,
        }
        home = self.emulator.home_view(user_id)
        if home is not None and tab == "home":
            event["view"] = home
        return self.event(event)

    def direct_message(self, user_id: str, text: str) -> HttpResult:
        """Write to the bot in its Messages tab (a message.im event)."""
        channel = self.emulator.im_channel_id(user_id)
        stored = self.emulator.post_as_user(channel, user_id, text)
        return self.event(
            {
                "type": "message",
                "channel": channel,
                "user": user_id,
                "text": text,
                "ts": stored["ts"],
                "event_ts": stored["ts"],
                "channel_type": "im",
                "team": self.team_id,
                "client_msg_id": str(uuid.uuid4()),
            }
        )

    def url_verification(self, challenge: str) -> HttpResult:
        """Slack's check of a new Request URL."""
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self.post_signed(json.dumps(body), JSON)
