"""The workspace's directory: users.info and usergroups.users.list, the people and groups a
test adds, and people Slack will not describe (deactivated, or from another workspace)."""

from __future__ import annotations

import copy
from typing import Literal

from bot.demo.simulator.api_core import EmulatorCore, web_api_method
from bot.demo.simulator.api_params import ApiError, JsonDict, param_str
from bot.demo.simulator.identity import TEAM_ID

UserLookupError = Literal["user_not_found", "user_not_visible"]
_USER_LOOKUP_ERRORS = ("user_not_found", "user_not_visible")


class DirectoryApi(EmulatorCore):
    def _configure(self) -> None:
        super()._configure()
        # Directory data is configuration and survives reset().
        self._users: dict[str, JsonDict] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._user_errors: dict[str, str] = {}

    def add_user(
        self,
        user_id: str,
        real_name: str,
        display_name: str | None = None,
        is_bot: bool = False,
    ) -> None:
        """Make users.info know this person."""
        display = display_name if display_name is not None else real_name
        name = (display or real_name).lower().replace(" ", ".")
        with self._lock:
            self._users[user_id] = {
                "id": user_id,
                "team_id": TEAM_ID,
                "name": name,
                "deleted": False,
                "real_name": real_name,
                "tz": "Europe/London",
                "tz_label": "Greenwich Mean Time",
                "tz_offset": 0,
                "is_bot": is_bot,
                "is_app_user": False,
                "is_admin": False,
                "is_restricted": False,
                "profile": {
                    "real_name": real_name,
                    "real_name_normalized": real_name,
                    "display_name": display,
                    "display_name_normalized": display,
                    "team": TEAM_ID,
                },
            }

    def user_record(self, user_id: str) -> JsonDict | None:
        """The users.info object for a known user, else None."""
        with self._lock:
            record = self._users.get(user_id)
            return copy.deepcopy(record) if record is not None else None

    def add_usergroup(self, group_id: str, user_ids: list[str]) -> None:
        """Make usergroups.users.list know this group."""
        with self._lock:
            self._usergroups[group_id] = list(user_ids)

    def refuse_user_lookup(self, user_id: str, error: UserLookupError = "user_not_found") -> None:
        """From now on users.info and conversations.open answer `error` for this person
        (user_not_found: deactivated or gone; user_not_visible: another workspace's user)."""
        if error not in _USER_LOOKUP_ERRORS:
            raise ValueError(f"error must be one of {', '.join(_USER_LOOKUP_ERRORS)}")
        with self._lock:
            self._user_errors[user_id] = error

    def allow_user_lookup(self, user_id: str) -> None:
        """Describe this person again."""
        with self._lock:
            self._user_errors.pop(user_id, None)

    def _user_error(self, user_id: str) -> str | None:
        return self._user_errors.get(user_id) or super()._user_error(user_id)

    @web_api_method("users.info")
    def _users_info(self, params: JsonDict) -> JsonDict:
        user_id = param_str(params, "user") or ""
        error = self._user_error(user_id)
        if error is not None:
            raise ApiError(error)
        record = self._users.get(user_id)
        if record is None:
            raise ApiError("user_not_found")
        return {"user": copy.deepcopy(record)}

    @web_api_method("usergroups.users.list")
    def _usergroups_users_list(self, params: JsonDict) -> JsonDict:
        group_id = param_str(params, "usergroup")
        members = self._usergroups.get(group_id or "")
        if members is None:
            raise ApiError("no_such_subteam")
        return {"users": list(members)}
