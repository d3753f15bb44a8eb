"""The views.* methods and what Slack does with modals: trigger ids spent once, the stack of
open modals per person, Home tabs, and the acknowledgement of a view submission."""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.demo.simulator.api_core import EmulatorCore, now, web_api_method
from bot.demo.simulator.api_params import ApiError, JsonDict, missing, param_str
from bot.demo.simulator.block_kit_checks import VIEW_TOO_LARGE, view_problems
from bot.demo.simulator.identity import APP_ID, BOT_ID, TEAM_ID

# Slack allows views.open plus two pushes.
_MAX_STACK = 3


@dataclass(frozen=True)
class SentView:
    """A modal as it stood after views.open/push/update or a submission's response_action."""

    method: str
    user_id: str | None
    view: JsonDict
    at: float


class ViewsApi(EmulatorCore):
    def _clear_state(self) -> None:
        super()._clear_state()
        self._triggers: dict[str, tuple[str | None, float]] = {}
        self._used_triggers: set[str] = set()
        self._views: dict[str, JsonDict] = {}
        self._view_users: dict[str, str | None] = {}
        self._external_ids: dict[str, str] = {}
        self._stacks: dict[str | None, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._sent_views: list[SentView] = []

    # -- set-up ------------------------------------------------------------------------------

    def register_trigger(
        self, trigger_id: str, user_id: str | None, minted_at: float | None = None
    ) -> None:
        """Tell the emulator who a trigger id belongs to and when it was minted."""
        with self._lock:
            self._triggers[trigger_id] = (user_id, now() if minted_at is None else minted_at)

    # -- inspection ----------------------------------------------------------------------------

    def opened_views(self) -> list[SentView]:
        """Every modal sent via views.open/push/update or a response_action, in order."""
        with self._lock:
            return list(self._sent_views)

    def last_view(self, user_id: str | None = None) -> JsonDict | None:
        """The latest modal sent (to this user, when given)."""
        with self._lock:
            for sent in reversed(self._sent_views):
                if user_id is None or sent.user_id == user_id:
                    return copy.deepcopy(sent.view)
            return None

    def view_by_id(self, view_id: str) -> JsonDict | None:
        """A modal or Home tab as it stands now."""
        with self._lock:
            view = self._views.get(view_id)
            return copy.deepcopy(view) if view is not None else None

    def view_stack(self, user_id: str | None) -> list[JsonDict]:
        """The modals a user has open, bottom first."""
        with self._lock:
            return [copy.deepcopy(self._views[v]) for v in self._stacks.get(user_id, [])]

    def home_view(self, user_id: str) -> JsonDict | None:
        """The Home tab last published for a user."""
        with self._lock:
            view_id = self._homes.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id is not None else None

    # -- what people do with modals -----------------------------------------------------------

    def apply_view_response(self, user_id: str | None, view_id: str | None, ack: object) -> None:
        """Do what Slack does with a view_submission acknowledgement body."""
        action = ack.get("response_action") if isinstance(ack, dict) else None
        with self._lock:
            stack = self._stacks.setdefault(user_id, [])
            if action == "errors":
                return
            if action == "clear":
                stack.clear()
                return
            if action in {"update", "push"} and isinstance(ack, dict):
                new_view = ack.get("view")
                if not isinstance(new_view, dict):
                    return
                if action == "update" and view_id is not None and view_id in self._views:
                    old = self._views[view_id]
                    stored = self._make_view(
                        new_view,
                        view_id=view_id,
                        root_view_id=old.get("root_view_id"),
                        previous_view_id=old.get("previous_view_id"),
                    )
                else:
                    root = stack[0] if stack else None
                    previous = stack[-1] if stack else None
                    stored = self._make_view(new_view, root_view_id=root, previous_view_id=previous)
                    stack.append(stored["id"])
                self._keep_view(stored, user_id)
                self._sent_views.append(
                    SentView(f"response_action.{action}", user_id, copy.deepcopy(stored), now())
                )
                return
            # A plain acknowledgement closes the submitted view.
            if view_id is not None and view_id in stack:
                del stack[stack.index(view_id) :]

    def close_view(self, user_id: str | None, view_id: str | None) -> None:
        """Forget an open modal the user dismissed."""
        with self._lock:
            stack = self._stacks.get(user_id, [])
            if view_id in stack:
                stack.remove(view_id)

    # -- methods -------------------------------------------------------------------------------

    @web_api_method("views.open")
    def _views_open(self, params: JsonDict) -> JsonDict:
        given = self._check_view(params.get("view"))
        user_id = self._claim_trigger(params)
        view = self._make_view(given)
        self._keep_view(view, user_id)
        self._stacks[user_id] = [view["id"]]
        self._sent_views.append(SentView("views.open", user_id, copy.deepcopy(view), now()))
        return {"view": copy.deepcopy(view)}

    @web_api_method("views.push")
    def _views_push(self, params: JsonDict) -> JsonDict:
        given = self._check_view(params.get("view"))
        trigger_id = param_str(params, "trigger_id") or ""
        user_id = self._triggers.get(trigger_id, (None, 0.0))[0]
        stack = self._stacks.get(user_id, [])
        if len(stack) >= _MAX_STACK:
            raise ApiError("push_limit_reached")
        user_id = self._claim_trigger(params)
        view = self._make_view(
            given,
            root_view_id=stack[0] if stack else None,
            previous_view_id=stack[-1] if stack else None,
        )
        self._keep_view(view, user_id)
        self._stacks.setdefault(user_id, []).append(view["id"])
        self._sent_views.append(SentView("views.push", user_id, copy.deepcopy(view), now()))
        return {"view": copy.deepcopy(view)}

    @web_api_method("views.update")
    def _views_update(self, params: JsonDict) -> JsonDict:
        view_id = param_str(params, "view_id")
        external_id = param_str(params, "external_id")
        if view_id is None and external_id is not None:
            view_id = self._external_ids.get(external_id)
        if view_id is None or view_id not in self._views:
            raise ApiError("not_found")
        given = self._check_view(params.get("view"))
        old = self._views[view_id]
        expected_hash = param_str(params, "hash")
        if expected_hash is not None and expected_hash != old["hash"]:
            raise ApiError("hash_conflict")
        user_id = self._view_users.get(view_id)
        view = self._make_view(
            given,
            view_id=view_id,
            root_view_id=old.get("root_view_id"),
            previous_view_id=old.get("previous_view_id"),
        )
        self._keep_view(view, user_id)
        self._sent_views.append(SentView("views.update", user_id, copy.deepcopy(view), now()))
        return {"view": copy.deepcopy(view)}

    @web_api_method("views.publish")
    def _views_publish(self, params: JsonDict) -> JsonDict:
        user_id = param_str(params, "user_id")
        if user_id is None:
            raise missing("user_id")
        given = self._check_view(params.get("view"))
        if given.get("type") != "home":
            raise ApiError("invalid_arguments", ['[ERROR] view type must be "home"'])
        old_id = self._homes.get(user_id)
        expected_hash = param_str(params, "hash")
        if (
            old_id is not None
            and expected_hash is not None
            and expected_hash != self._views[old_id]["hash"]
        ):
            raise ApiError("hash_conflict")
        view = self._make_view(given, view_id=old_id)
        self._keep_view(view, user_id)
        self._homes[user_id] = view["id"]
        return {"view": copy.deepcopy(view)}

    # -- helpers -------------------------------------------------------------------------------

    def _check_view(self, view: object) -> JsonDict:
        if not isinstance(view, dict):
            raise missing("view")
        if self.validate_blocks:
            problems = view_problems(view)
            if problems == [VIEW_TOO_LARGE]:
                raise ApiError(VIEW_TOO_LARGE)
            if problems:
                raise ApiError("invalid_arguments", problems)
        return view

    def _claim_trigger(self, params: JsonDict) -> str | None:
        """Spend a trigger id and return whose it was."""
        trigger_id = param_str(params, "trigger_id")
        if trigger_id is None:
            raise missing("trigger_id")
        if trigger_id in self._used_triggers:
            raise ApiError("exchanged_trigger_id")
        user_id, minted_at = self._triggers.get(trigger_id, (None, None))
        if minted_at is not None and now() - minted_at > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        self._used_triggers.add(trigger_id)
        return user_id

    def _make_view(
        self,
        given: Mapping[str, Any],
        *,
        view_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> JsonDict:
        view_id = view_id or self._next_id("V")
        view: JsonDict = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": given.get("type", "modal"),
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "title": None,
            "close": None,
            "submit": None,
            "clear_on_close": False,
            "notify_on_close": False,
            **copy.deepcopy(dict(given)),
        }
        view.update(
            {
                "id": view_id,
                "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
                "state": {"values": {}},
                "root_view_id": root_view_id or view_id,
                "previous_view_id": previous_view_id,
                "app_id": APP_ID,
                "app_installed_team_id": TEAM_ID,
                "bot_id": BOT_ID,
            }
        )
        return view

    def _keep_view(self, view: JsonDict, user_id: str | None) -> None:
        old = self._views.get(view["id"])
        if old is not None and old.get("external_id"):
            self._external_ids.pop(old["external_id"], None)
        self._views[view["id"]] = view
        self._view_users[view["id"]] = user_id
        if view.get("external_id"):
            self._external_ids[view["external_id"]] = view["id"]
