"""The chat.* methods: posting, updating, ephemeral messages and permalinks, with Slack's
per-channel posting limit when a test turns it on."""

from __future__ import annotations

import copy
from typing import Unpack

from bot.demo.simulator.api_channels import Channels
from bot.demo.simulator.api_core import web_api_method
from bot.demo.simulator.api_params import ApiError, JsonDict, param_str, truthy
from bot.demo.simulator.block_kit_checks import message_block_problems
from bot.demo.simulator.identity import (
    BOT_USER_ID,
    TEAM_DOMAIN,
    bot_message,
)
from bot.demo.simulator.rate_limits import ChannelRateLimit, RateLimitSettings


class ChatApi(Channels):
    def _configure(self) -> None:
        super()._configure()
        self._post_rate_limit: ChannelRateLimit | None = None

    def _clear_state(self) -> None:
        super()._clear_state()
        self._ephemerals: list[JsonDict] = []
        if self._post_rate_limit is not None:
            self._post_rate_limit.forget()

    # -- set-up and inspection -------------------------------------------------------------

    def enable_post_rate_limit(self, **settings: Unpack[RateLimitSettings]) -> None:
        """Limit chat.postMessage per channel (a DM is a channel) as Slack does: after a
        burst, about `per_second` posts a second; beyond that HTTP 429 with Retry-After
        (in whole seconds as Slack's, or exact for a limit scaled down for a test). By
        default a burst of 3, then one a second, as on Slack."""
        with self._lock:
            self._post_rate_limit = ChannelRateLimit(**settings)

    def disable_post_rate_limit(self) -> None:
        """Post as fast as the app likes again (the default)."""
        with self._lock:
            self._post_rate_limit = None

    def ephemeral_messages(self, user_id: str | None = None) -> list[JsonDict]:
        """chat.postEphemeral messages, optionally only those shown to one user."""
        with self._lock:
            return [
                copy.deepcopy(m)
                for m in self._ephemerals
                if user_id is None or m.get("user") == user_id
            ]

    # -- methods ---------------------------------------------------------------------------

    @web_api_method("chat.postMessage")
    def _chat_post_message(self, params: JsonDict) -> JsonDict:
        self._spend_post(params)
        channel = self._require_channel(params, "post", resolve_users=True)
        self._check_message_content(params, required=True)
        message = bot_message(channel, param_str(params, "text") or "", self._next_ts())
        for key in ("blocks", "attachments", "metadata"):
            if params.get(key):
                message[key] = copy.deepcopy(params[key])
        thread_ts = param_str(params, "thread_ts")
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
            if truthy(params.get("reply_broadcast", False)):
                message["reply_broadcast"] = True
        self._store_message(message)
        return {
            "channel": channel,
            "ts": message["ts"],
            "message": self._public_message(message),
        }

    @web_api_method("chat.update")
    def _chat_update(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params, "update")
        message = self._require_message(channel, params, "ts", "message_not_found")
        self._check_message_content(params, required=False)
        # Fields the caller leaves out keep their value, as on Slack.
        if "text" in params:
            message["text"] = param_str(params, "text") or ""
        for key in ("blocks", "attachments", "metadata"):
            if key in params:
                if params[key]:
                    message[key] = copy.deepcopy(params[key])
                else:
                    message.pop(key, None)
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": self._public_message(message),
        }

    @web_api_method("chat.postEphemeral")
    def _chat_post_ephemeral(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params, "post", resolve_users=True)
        user = param_str(params, "user")
        if user is None:
            raise ApiError("user_not_in_channel")
        self._check_message_content(params, required=True)
        message_ts = self._next_ts()
        ephemeral: JsonDict = {
            "channel": channel,
            "user": user,
            "text": param_str(params, "text") or "",
            "message_ts": message_ts,
        }
        for key in ("blocks", "attachments", "thread_ts"):
            if params.get(key):
                ephemeral[key] = copy.deepcopy(params[key])
        self._ephemerals.append(ephemeral)
        return {"message_ts": message_ts}

    @web_api_method("chat.getPermalink")
    def _chat_get_permalink(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params, "look")
        message = self._require_message(channel, params, "message_ts", "message_not_found")
        ts = str(message["ts"])
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        if self._is_reply(message):
            # A reply's link opens its thread, as Slack's does.
            link += f"?thread_ts={message['thread_ts']}&cid={channel}"
        return {"channel": channel, "permalink": link}

    # -- helpers -----------------------------------------------------------------------------

    def _spend_post(self, params: JsonDict) -> None:
        limit = self._post_rate_limit
        channel = param_str(params, "channel")
        if limit is None or channel is None:
            return
        retry_after = limit.take(self._resolve_channel(channel))
        if retry_after is not None:
            raise ApiError("ratelimited", status=429, headers=(("Retry-After", retry_after),))

    def _check_message_content(self, params: JsonDict, *, required: bool) -> None:
        has_text = param_str(params, "text") is not None
        has_blocks = bool(params.get("blocks"))
        has_attachments = bool(params.get("attachments"))
        if required and not (has_text or has_blocks or has_attachments):
            raise ApiError("no_text")
        if "blocks" in params and self.validate_blocks:
            problems = message_block_problems(params["blocks"])
            if problems:
                raise ApiError("invalid_blocks", problems)
