"""What people do with what the app shows them: clicking buttons, picking in selects, and
filling in, submitting or closing modals — each sent to the app as Slack's payload."""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, TypedDict, Unpack

from bot.demo.simulator.block_elements import blocks_of, locate, locate_button
from bot.demo.simulator.identity import APP_ID, BOT_ID
from bot.demo.simulator.view_state import pick_option, state_fields, view_state_values
from bot.demo.simulator.workspace_transport import HttpResult, SignedTransport, action_ts

JsonDict = dict[str, Any]


class Surface(TypedDict, total=False):
    """Where an element is: on a message (in a channel) or in a view, with the values its
    inputs hold when the action is sent."""

    message: Mapping[str, Any] | None
    channel_id: str | None
    view: Mapping[str, Any] | None
    values: Mapping[str, object] | None


class Interactions(SignedTransport):
    """Block actions and view submissions."""

    def click_button(
        self,
        user_id: str,
        action_id: str,
        value: str | None = None,
        block_id: str | None = None,
        **surface: Unpack[Surface],
    ) -> HttpResult:
        """Click a button on a message or in a view (found by action_id, or block_id too)."""
        source = _source(surface)
        action: JsonDict = {"type": "button", "action_id": action_id, "block_id": block_id}
        if source is not None:
            key = f"{block_id}.{action_id}" if block_id else action_id
            located = locate(blocks_of(source), key, stateful_only=False)
            if located.element.get("type") != "button":
                raise ValueError(f"{action_id!r} is a {located.element.get('type')}, not a button")
            element = located.element
            action["block_id"] = located.block_id
            for name in ("text", "style"):
                if name in element:
                    action[name] = copy.deepcopy(element[name])
            if value is None:
                value = element.get("value")
        if action["block_id"] is None:
            action["block_id"] = secrets.token_hex(3)
        if value is not None:
            action["value"] = value
        return self._block_actions(user_id, action, surface)

    def click_labelled(
        self, user_id: str, message_or_view: Mapping[str, Any], label: str, **kw: Any
    ) -> HttpResult:
        """Click the button with this label on a stored message or view."""
        located = locate_button(message_or_view, label)
        if message_or_view.get("type") in {"modal", "home"}:
            kw["view"] = message_or_view
        else:
            kw["message"] = message_or_view
        return self.click_button(user_id, located.action_id, block_id=located.block_id, **kw)

    def select_option(
        self,
        user_id: str,
        action_id: str,
        selected: str | Sequence[str],
        *,
        block_id: str | None = None,
        **surface: Unpack[Surface],
    ) -> HttpResult:
        """Pick in a select, radio group, checkbox group, user picker, datepicker or overflow.

        `selected` is what `submit_view` takes for that element: an option value,
        a list of option values, a user id or a date.
        """
        source = _source(surface)
        if source is None:
            raise ValueError("select_option needs the message or view holding the element")
        blocks = blocks_of(source)
        key = f"{block_id}.{action_id}" if block_id else action_id
        located = locate(blocks, key, stateful_only=False)
        element = located.element
        kind = str(element.get("type"))
        if kind == "overflow":
            fields: JsonDict = {"selected_option": pick_option(element, selected, action_id)}
        else:
            fields = state_fields(element, located.action_id, selected)
            # The payload's state already holds the new choice, as on Slack.
            merged = dict(surface.get("values") or {})
            merged[f"{located.block_id}.{located.action_id}"] = selected
            surface = {**surface, "values": merged}
        action: JsonDict = {
            "type": kind,
            "action_id": located.action_id,
            "block_id": located.block_id,
            **fields,
        }
        if "placeholder" in element:
            action["placeholder"] = copy.deepcopy(element["placeholder"])
        return self._block_actions(user_id, action, surface)

    def _block_actions(self, user_id: str, action: JsonDict, surface: Surface) -> HttpResult:
        message, view = surface.get("message"), surface.get("view")
        channel_id, values = surface.get("channel_id"), surface.get("values")
        trigger_id = self.mint_trigger_id(user_id)
        action["action_ts"] = action_ts()
        payload = self._interaction("block_actions", user_id, trigger_id)
        payload["actions"] = [action]
        response_url: str | None = None
        if view is not None:
            shown = self._view_payload(view, values)
            payload["container"] = {"type": "view", "view_id": shown["id"]}
            payload["view"] = shown
        else:
            channel = channel_id or (message or {}).get("channel")
            response_url = self.emulator.new_response_url()
            payload["response_url"] = response_url
            payload["state"] = {"values": view_state_values(message or [], values)}
            container: JsonDict = {"type": "message", "is_ephemeral": False}
            if channel:
                container["channel_id"] = channel
                payload["channel"] = {"id": channel, "name": self._channel_name(str(channel))}
            if message is not None:
                if "ts" not in message and "message_ts" in message:
                    # Ephemeral messages never come back in the payload.
                    container.update({"message_ts": message["message_ts"], "is_ephemeral": True})
                else:
                    container["message_ts"] = message.get("ts")
                    if message.get("thread_ts"):
                        container["thread_ts"] = message["thread_ts"]
                    shown_message = copy.deepcopy(dict(message))
                    shown_message.pop("channel", None)
                    payload["message"] = shown_message
            payload["container"] = container
        result = self._post_payload(payload)
        return replace(result, trigger_id=trigger_id, response_url=response_url)

    @staticmethod
    def _channel_name(channel_id: str) -> str:
        return "directmessage" if channel_id.startswith("D") else "general"

    # -- views ----------------------------------------------------------------------------

    def _view_payload(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, object] | None,
        *,
        client_checks: bool = False,
        private_metadata: str | None = None,
        view_id: str | None = None,
    ) -> JsonDict:
        shown: JsonDict = {
            "id": view.get("id") or f"V0LOCAL{secrets.token_hex(3).upper()}",
            "team_id": self.team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "hash": view.get("hash") or f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": None,
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view.get("id"),
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": BOT_ID,
        }
        shown.update(copy.deepcopy(dict(view)))
        shown["state"] = {"values": view_state_values(view, values, client_checks=client_checks)}
        if private_metadata is not None:
            shown["private_metadata"] = private_metadata
        if view_id is not None:
            shown["id"] = view_id
        return shown

    def submit_view(
        self,
        user_id: str,
        view: Mapping[str, Any],
        values: Mapping[str, object] | None = None,
        *,
        private_metadata: str | None = None,
        view_id: str | None = None,
        client_checks: bool = False,
    ) -> HttpResult:
        """Fill in a modal and press its submit button.

        With `client_checks`, refuse (ValueError) what Slack's client would not
        submit: empty required inputs, text outside min/max_length, too many picks.
        The acknowledgement's response_action is applied to the emulator's views.
        """
        trigger_id = self.mint_trigger_id(user_id)
        payload = self._interaction("view_submission", user_id, trigger_id)
        shown = self._view_payload(
            view,
            values,
            client_checks=client_checks,
            private_metadata=private_metadata,
            view_id=view_id,
        )
        payload["view"] = shown
        payload["response_urls"] = []
        result = replace(self._post_payload(payload), trigger_id=trigger_id)
        if result.status == 200:
            self.emulator.apply_view_response(user_id, shown["id"], result.json())
        return result

    def close_view(self, user_id: str, view: Mapping[str, Any]) -> HttpResult:
        """Dismiss a modal with its close button (sends view_closed)."""
        payload = self._interaction("view_closed", user_id, "")
        # Closing a modal gives the app nothing to open another with.
        payload.pop("trigger_id")
        shown = self._view_payload(view, None)
        payload["view"] = shown
        payload["is_cleared"] = False
        result = self._post_payload(payload)
        self.emulator.close_view(user_id, shown["id"])
        return result


def _source(surface: Surface) -> Mapping[str, Any] | None:
    """The view the element is in, else the message."""
    view = surface.get("view")
    return view if view is not None else surface.get("message")
