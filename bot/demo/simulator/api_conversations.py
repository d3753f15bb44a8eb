"""The conversations.* methods: opening DMs, describing a channel, reading history and
threads — each answering as the channel's state (see api_channels) says Slack would."""

from __future__ import annotations

import hashlib

from bot.demo.simulator.api_channels import Channels, ChannelState
from bot.demo.simulator.api_core import web_api_method
from bot.demo.simulator.api_params import ApiError, JsonDict, param_str, truthy, ts_float
from bot.demo.simulator.identity import TEAM_ID

# When the simulated workspace's channels were made; conversation objects need a date.
_CREATED = 1_700_000_000
_MAX_DM_USERS = 8


class ConversationsApi(Channels):
    def _clear_state(self) -> None:
        super()._clear_state()
        self._open_ims: set[str] = set()

    @web_api_method("conversations.open")
    def _conversations_open(self, params: JsonDict) -> JsonDict:
        channel = param_str(params, "channel")
        users_param = param_str(params, "users")
        if channel is not None:
            self._check_channel(channel, "look")
            return {"channel": {"id": channel}, "no_op": True, "already_open": True}
        if users_param is None:
            raise ApiError("users_list_not_supplied")
        users = [u.strip() for u in users_param.split(",") if u.strip()]
        if len(users) > _MAX_DM_USERS:
            raise ApiError("too_many_users")
        for user in users:
            error = self._user_error(user)
            if error is not None:
                raise ApiError(error)
        if len(users) == 1:
            channel_id = self.im_channel_id(users[0])
            info: JsonDict = {"id": channel_id, "is_im": True, "user": users[0]}
        else:
            digest = hashlib.sha256(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
            channel_id = f"G{digest}"
            info = {"id": channel_id, "is_mpim": True}
        self._check_channel(channel_id, "look")
        already_open = channel_id in self._open_ims
        self._open_ims.add(channel_id)
        result: JsonDict = {"channel": info}
        if already_open:
            result.update({"no_op": True, "already_open": True})
        return result

    @web_api_method("conversations.info")
    def _conversations_info(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params, "look")
        if channel.startswith("D"):
            user = self._im_users.get(channel)
            if user is None:
                # A DM id nobody opened is no conversation the app can see.
                raise ApiError("channel_not_found")
            return {"channel": _im_object(channel, user)}
        return {"channel": self._channel_object(channel)}

    def _channel_object(self, channel: str) -> JsonDict:
        """A public or private channel as conversations.info describes it."""
        name, is_private = self._channel_name(channel)
        state = self._channel_states.get(channel, ChannelState.ACTIVE)
        blank = {"value": "", "creator": "", "last_set": 0}
        return {
            "id": channel,
            "name": name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "created": _CREATED,
            "is_archived": state is ChannelState.ARCHIVED,
            "is_general": False,
            "unlinked": 0,
            "name_normalized": name,
            "is_shared": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": TEAM_ID,
            "updated": _CREATED * 1000,
            "parent_conversation": None,
            "creator": "",
            "is_ext_shared": False,
            "shared_team_ids": [TEAM_ID],
            "pending_connected_team_ids": [],
            "is_member": state is not ChannelState.APP_NOT_MEMBER,
            "topic": dict(blank),
            "purpose": dict(blank),
            "previous_names": [],
        }

    @web_api_method("conversations.history")
    def _conversations_history(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params, "read")
        include_metadata = truthy(params.get("include_all_metadata", False))
        inclusive = truthy(params.get("inclusive", False))
        oldest = ts_float(params.get("oldest", 0)) or 0.0
        latest = ts_float(params.get("latest")) if params.get("latest") else None
        limit = int(params.get("limit") or 100)

        def in_range(ts: float) -> bool:
            after = ts >= oldest if inclusive else ts > oldest
            before = latest is None or (ts <= latest if inclusive else ts < latest)
            return after and before

        selected = [
            m
            for m in self._messages.get(channel, [])
            if (not self._is_reply(m) or m.get("reply_broadcast")) and in_range(float(m["ts"]))
        ]
        selected.reverse()
        # Cursor pagination as Slack does it: an opaque token for where the next page starts.
        cursor = param_str(params, "cursor") or ""
        start = int(cursor[4:]) if cursor.startswith("off:") and cursor[4:].isdigit() else 0
        page = selected[start : start + limit]
        more = len(selected) > start + limit
        return {
            "messages": [self._public_message(m, include_metadata) for m in page],
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": f"off:{start + limit}" if more else ""},
        }

    @web_api_method("conversations.replies")
    def _conversations_replies(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params, "read")
        parent = self._require_message(channel, params, "ts", "thread_not_found")
        ts = parent["ts"]
        include_metadata = truthy(params.get("include_all_metadata", False))
        replies = [
            m for m in self._messages.get(channel, []) if m.get("thread_ts") == ts and m["ts"] != ts
        ]
        return {
            "messages": [self._public_message(m, include_metadata) for m in [parent, *replies]],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }


def _im_object(channel: str, user: str) -> JsonDict:
    """The bot's DM with a person, as conversations.info describes it."""
    return {
        "id": channel,
        "created": _CREATED,
        "is_archived": False,
        "is_im": True,
        "is_org_shared": False,
        "context_team_id": TEAM_ID,
        "updated": _CREATED * 1000,
        "user": user,
        "last_read": "0000000000.000000",
        "latest": None,
        "unread_count": 0,
        "unread_count_display": 0,
        "is_open": True,
        "priority": 0,
    }
