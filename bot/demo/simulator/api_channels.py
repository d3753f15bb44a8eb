"""Channels as the emulator knows them: the state a test puts each in (active, deleted,
archived, app removed), the bot's DMs, and the messages posted in each."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from bot.demo.simulator.api_core import EmulatorCore
from bot.demo.simulator.api_params import ApiError, JsonDict, param_str
from bot.demo.simulator.identity import TEAM_ID


class ChannelState(StrEnum):
    """What Slack would say about a channel the app names."""

    ACTIVE = "active"
    # Deleted, or never visible to the app: every call naming it answers channel_not_found.
    NOT_FOUND = "not_found"
    # conversations.info shows is_archived; posting answers is_archived.
    ARCHIVED = "archived"
    # conversations.info shows is_member: false; posting and reading answer not_in_channel.
    APP_NOT_MEMBER = "app_not_member"


# What the app is doing with a channel decides which state refuses it, and how.
ChannelUse = Literal["post", "update", "read", "look"]
_REFUSALS: dict[tuple[ChannelState, ChannelUse], str] = {
    (ChannelState.ARCHIVED, "post"): "is_archived",
    # chat.update's word for a message in an archived (or frozen) channel.
    (ChannelState.ARCHIVED, "update"): "is_inactive",
    (ChannelState.APP_NOT_MEMBER, "post"): "not_in_channel",
    (ChannelState.APP_NOT_MEMBER, "read"): "not_in_channel",
}


class Channels(EmulatorCore):
    """Channel states, names and DMs (configuration), and the messages in each (state)."""

    def _configure(self) -> None:
        super()._configure()
        self._channel_states: dict[str, ChannelState] = {}
        self._channel_names: dict[str, tuple[str, bool]] = {}
        self._im_users: dict[str, str] = {}

    def _clear_state(self) -> None:
        super()._clear_state()
        self._messages: dict[str, list[JsonDict]] = {}

    # -- set-up --------------------------------------------------------------------------

    def add_channel(self, channel_id: str, name: str, *, is_private: bool = False) -> None:
        """Give a channel a name (and privacy) for conversations.info."""
        with self._lock:
            self._channel_names[channel_id] = (name, is_private)

    def set_channel_state(self, channel_id: str, state: ChannelState | str) -> None:
        """Put a channel (or, given a user id, the bot's DM with them) in a state; takes
        effect on the next call, so it can change while the app runs."""
        channel = self._resolve_channel(channel_id)
        with self._lock:
            self._channel_states[channel] = ChannelState(state)

    def channel_state(self, channel_id: str) -> ChannelState:
        """The state a channel is in now (ACTIVE unless a test said otherwise)."""
        with self._lock:
            return self._channel_states.get(self._resolve_channel(channel_id), ChannelState.ACTIVE)

    def archive_channel(self, channel_id: str) -> None:
        """Archive a channel: it stays readable, and posting answers is_archived."""
        self.set_channel_state(channel_id, ChannelState.ARCHIVED)

    def delete_channel(self, channel_id: str) -> None:
        """Make every later call naming this channel fail with channel_not_found."""
        self.set_channel_state(channel_id, ChannelState.NOT_FOUND)

    def remove_app_from_channel(self, channel_id: str) -> None:
        """Take the app out of a channel: posting and reading answer not_in_channel."""
        self.set_channel_state(channel_id, ChannelState.APP_NOT_MEMBER)

    def restore_channel(self, channel_id: str) -> None:
        """Put a channel back to normal."""
        self.set_channel_state(channel_id, ChannelState.ACTIVE)

    def im_channel_id(self, user_id: str) -> str:
        """The bot's DM channel with this user; stable across runs."""
        suffix = hashlib.sha256(user_id.encode()).hexdigest()[:10].upper()
        channel = f"D{suffix}"
        with self._lock:
            self._im_users[channel] = user_id
        return channel

    def post_as_user(
        self, channel: str, user_id: str, text: str, thread_ts: str | None = None
    ) -> JsonDict:
        """Store a message a person wrote (e.g. a DM to the bot) and return it."""
        with self._lock:
            message: JsonDict = {
                "type": "message",
                "channel": channel,
                "user": user_id,
                "team": TEAM_ID,
                "text": text,
                "ts": self._next_ts(),
            }
            if thread_ts:
                message["thread_ts"] = thread_ts
            self._store_message(message)
            return copy.deepcopy(message)

    # -- inspection ------------------------------------------------------------------------

    def messages_in(self, channel: str, *, include_replies: bool = False) -> list[JsonDict]:
        """Messages in a channel as they stand now, in post order.

        Thread replies are left out unless asked for, as in conversations.history.
        A user id stands for the bot's DM with that user.
        """
        channel = self._resolve_channel(channel)
        with self._lock:
            messages = self._messages.get(channel, [])
            return [
                copy.deepcopy(m)
                for m in messages
                if include_replies or not self._is_reply(m) or m.get("reply_broadcast")
            ]

    def thread_replies(self, channel: str, thread_ts: str) -> list[JsonDict]:
        """Replies under one parent message (the parent excluded), oldest first."""
        channel = self._resolve_channel(channel)
        with self._lock:
            return [
                copy.deepcopy(m)
                for m in self._messages.get(channel, [])
                if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
            ]

    # -- helpers for the API families --------------------------------------------------------

    def _resolve_channel(self, channel: str) -> str:
        # Posting to a user id lands in the bot's DM with that user, as on Slack.
        if channel[:1] in {"U", "W"}:
            return self.im_channel_id(channel)
        return channel

    def _check_channel(self, channel: str, use: ChannelUse) -> None:
        """Refuse a call as Slack would for the channel's state."""
        state = self._channel_states.get(channel, ChannelState.ACTIVE)
        if state is ChannelState.NOT_FOUND:
            raise ApiError("channel_not_found")
        refusal = _REFUSALS.get((state, use))
        if refusal is not None:
            raise ApiError(refusal)

    def _require_channel(
        self,
        params: JsonDict,
        use: ChannelUse,
        *,
        resolve_users: bool = False,
        name: str = "channel",
    ) -> str:
        """The channel a call names, once its state lets the call through."""
        channel = param_str(params, name)
        if channel is None:
            raise ApiError("channel_not_found")
        self._check_channel(channel, use)
        if resolve_users:
            channel = self._resolve_channel(channel)
            self._check_channel(channel, use)
        return channel

    def _channel_name(self, channel: str) -> tuple[str, bool]:
        return self._channel_names.get(channel, (channel.lower(), channel.startswith("G")))

    def _find_message(self, channel: str, ts: str) -> JsonDict | None:
        for message in self._messages.get(channel, []):
            if message["ts"] == ts:
                return message
        return None

    def _require_message(self, channel: str, params: JsonDict, field: str, error: str) -> JsonDict:
        """The message in `channel` whose ts the call gave as `field`; else Slack's `error`."""
        ts = param_str(params, field)
        message = self._find_message(channel, ts) if ts is not None else None
        if message is None:
            raise ApiError(error)
        return message

    @staticmethod
    def _is_reply(message: Mapping[str, Any]) -> bool:
        thread_ts = message.get("thread_ts")
        return thread_ts is not None and thread_ts != message["ts"]

    def _store_message(self, message: JsonDict) -> None:
        channel = message["channel"]
        thread_ts = message.get("thread_ts")
        if thread_ts is not None:
            parent = self._find_message(channel, thread_ts)
            if parent is not None:
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
                parent["latest_reply"] = message["ts"]
        self._messages.setdefault(channel, []).append(message)

    @staticmethod
    def _public_message(message: Mapping[str, Any], include_metadata: bool = True) -> JsonDict:
        shown = copy.deepcopy(dict(message))
        shown.pop("channel", None)
        if not include_metadata:
            shown.pop("metadata", None)
        return shown
