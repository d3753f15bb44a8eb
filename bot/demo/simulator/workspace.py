"""The people side of a simulated Slack workspace: signed requests to a running app."""

from __future__ import annotations

import copy
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier

from bot.demo.simulator.socket_mode import SocketModeEndpoint
from bot.demo.simulator.web_api import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    SlackWebApiEmulator,
)

JsonDict = dict[str, Any]

_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"
# Slack's own requests carry a verification token too; Bolt ignores it.
_VERIFICATION_TOKEN = "sim-verification-token"  # noqa: S105 (a public placeholder)

_TEXT_INPUTS = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_text_input"}
)
_SINGLE_OPTION = frozenset({"static_select", "external_select", "radio_buttons"})
_MULTI_OPTION = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
# element type -> (state field, initial field)
_SINGLE_PICK = {
    "users_select": ("selected_user", "initial_user"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "channels_select": ("selected_channel", "initial_channel"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}
_MULTI_PICK = {
    "multi_users_select": ("selected_users", "initial_users"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
}
_STATEFUL = (
    _TEXT_INPUTS
    | _SINGLE_OPTION
    | _MULTI_OPTION
    | frozenset(_SINGLE_PICK)
    | frozenset(_MULTI_PICK)
    | {"rich_text_input"}
)
_EXTERNAL = frozenset({"external_select", "multi_external_select"})


@dataclass(frozen=True)
class HttpResult:
    """What the app answered to one request."""

    status: int
    body: str
    elapsed: float
    headers: dict[str, str] = field(default_factory=dict)
    trigger_id: str | None = None
    response_url: str | None = None
    event_id: str | None = None

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is empty or not JSON."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except json.JSONDecodeError:
            return None


@dataclass(frozen=True)
class _Located:
    block_id: str
    action_id: str
    element: JsonDict
    block_type: str


def _auto_block_id(index: int) -> str:
    # Slack invents ids for blocks that have none; ours are stable so state and actions agree.
    return f"sim-block-{index}"


def _iter_elements(blocks: object) -> Iterator[_Located]:
    """Every interactive element in a block list, with the ids Slack would report."""
    if not isinstance(blocks, list):
        return
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        block_id = str(block.get("block_id") or _auto_block_id(index))
        block_type = str(block.get("type", ""))
        candidates: list[object] = []
        if block_type == "actions":
            candidates = list(block.get("elements") or [])
        elif block_type == "section" and block.get("accessory") is not None:
            candidates = [block["accessory"]]
        elif block_type == "input" and block.get("element") is not None:
            candidates = [block["element"]]
        for e_index, element in enumerate(candidates):
            if not isinstance(element, dict):
                continue
            action_id = str(element.get("action_id") or f"{block_id}-action-{e_index}")
            yield _Located(block_id, action_id, element, block_type)


def _blocks_of(source: object) -> list[Any]:
    if isinstance(source, list):
        return source
    if isinstance(source, Mapping):
        blocks = source.get("blocks")
        if isinstance(blocks, list):
            return blocks
        return []
    raise TypeError("expected a list of blocks, a view or a message")


def _text_of(element: Mapping[str, Any]) -> str | None:
    text = element.get("text")
    if isinstance(text, Mapping):
        return str(text.get("text", ""))
    return None


def _locate_button(source: object, text_or_action_id: str) -> _Located:
    located = [x for x in _iter_elements(_blocks_of(source)) if x.element.get("type") == "button"]
    for match in (
        lambda x: _text_of(x.element) == text_or_action_id,
        lambda x: x.action_id == text_or_action_id,
    ):
        found = [x for x in located if match(x)]
        if found:
            return found[0]
    labels = [f"{_text_of(x.element)!r} ({x.action_id})" for x in located]
    raise ValueError(
        f"no button {text_or_action_id!r}; buttons here: {', '.join(labels) or 'none'}"
    )


def find_button(source: object, text_or_action_id: str) -> JsonDict:
    """The button with this label (preferred) or action_id, in blocks, a view or a message."""
    return _locate_button(source, text_or_action_id).element


def _locate(blocks: list[Any], key: str, *, stateful_only: bool) -> _Located:
    """Find an element by "action_id" or "block_id.action_id"."""
    located = list(_iter_elements(blocks))
    if stateful_only:
        located = [x for x in located if x.element.get("type") in _STATEFUL]
    exact = [x for x in located if f"{x.block_id}.{x.action_id}" == key]
    if exact:
        return exact[0]
    by_action = [x for x in located if x.action_id == key]
    if len(by_action) == 1:
        return by_action[0]
    if len(by_action) > 1:
        raise ValueError(
            f"action_id {key!r} is in several blocks; name it as "
            + " or ".join(repr(f"{x.block_id}.{x.action_id}") for x in by_action)
        )
    known = ", ".join(repr(x.action_id) for x in located) or "none"
    kind = "input" if stateful_only else "element"
    raise ValueError(f"no {kind} with action_id {key!r} here; there are: {known}")


def _options_of(element: Mapping[str, Any]) -> list[JsonDict]:
    options = [o for o in element.get("options") or [] if isinstance(o, dict)]
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            options.extend(o for o in group.get("options") or [] if isinstance(o, dict))
    return options


def _pick_option(element: Mapping[str, Any], value: object, action_id: str) -> JsonDict:
    if not isinstance(value, str):
        raise ValueError(f"{action_id!r} takes one option value (a str), got {value!r}")
    if element.get("type") in _EXTERNAL:
        # Options come from the app's options listener, so any value may be offered.
        return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}
    for option in _options_of(element):
        if option.get("value") == value:
            return copy.deepcopy(option)
    offered = ", ".join(repr(o.get("value")) for o in _options_of(element))
    raise ValueError(f"{action_id!r} does not offer {value!r}; it offers: {offered or 'nothing'}")


def _as_list(value: object, action_id: str) -> list[object]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"{action_id!r} takes a list of values, got {value!r}")
    return list(value)


def _state_fields(element: Mapping[str, Any], action_id: str, supplied: object) -> JsonDict:
    """The value-carrying fields of one element's state entry.

    `supplied` is _UNSET when the user left the element alone: then it holds its
    initial value, or Slack's empty shape.
    """
    kind = str(element.get("type"))
    unset = supplied is _UNSET
    if kind in _TEXT_INPUTS:
        value = element.get("initial_value") if unset else supplied
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{action_id!r} is a text input; give it a str, got {value!r}")
        return {"value": value if value != "" else None}
    if kind == "rich_text_input":
        if unset:
            return {"rich_text_value": copy.deepcopy(element.get("initial_value"))}
        if not isinstance(supplied, str):
            raise ValueError(f"{action_id!r} is a rich text input; give it a str")
        return {"rich_text_value": _rich_text(supplied)}
    if kind in _SINGLE_OPTION:
        if unset:
            return {"selected_option": copy.deepcopy(element.get("initial_option"))}
        if supplied is None:
            return {"selected_option": None}
        return {"selected_option": _pick_option(element, supplied, action_id)}
    if kind in _MULTI_OPTION:
        if unset:
            return {"selected_options": copy.deepcopy(element.get("initial_options") or [])}
        chosen = [_pick_option(element, v, action_id) for v in _as_list(supplied, action_id)]
        return {"selected_options": chosen}
    if kind in _SINGLE_PICK:
        state_field, initial_field = _SINGLE_PICK[kind]
        value = element.get(initial_field) if unset else supplied
        if kind == "datepicker" and value is not None:
            _check_date(value, action_id)
        return {state_field: value}
    if kind in _MULTI_PICK:
        state_field, initial_field = _MULTI_PICK[kind]
        if unset:
            return {state_field: list(element.get(initial_field) or [])}
        return {state_field: [str(v) for v in _as_list(supplied, action_id)]}
    raise ValueError(f"{action_id!r} is a {kind}, which holds no value a user can enter")


def _check_date(value: object, action_id: str) -> None:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{action_id!r} is a datepicker; give it 'YYYY-MM-DD', not {value!r}"
        ) from None


def _rich_text(text: str) -> JsonDict:
    return {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
    }


class _Unset:
    pass


_UNSET: Any = _Unset()


def _is_empty(fields: Mapping[str, Any]) -> bool:
    return all(v is None or v == [] for v in fields.values())


def _client_check(block: Mapping[str, Any], located: _Located, fields: Mapping[str, Any]) -> None:
    """Refuse what Slack's own client would not let a person submit."""
    element = located.element
    label = repr(located.action_id)
    if block.get("type") == "input" and not block.get("optional") and _is_empty(fields):
        raise ValueError(f"{label} is required; Slack would not submit the form without it")
    value = fields.get("value")
    if isinstance(value, str):
        if "max_length" in element and len(value) > int(element["max_length"]):
            raise ValueError(f"{label} is longer than its max_length {element['max_length']}")
        if "min_length" in element and len(value) < int(element["min_length"]):
            raise ValueError(f"{label} is shorter than its min_length {element['min_length']}")
    selected = fields.get("selected_options")
    limit = element.get("max_selected_items")
    if isinstance(selected, list) and limit is not None and len(selected) > int(limit):
        raise ValueError(f"{label} allows at most {limit} selections")


def view_state_values(
    source: object,
    values: Mapping[str, object] | None = None,
    *,
    client_checks: bool = False,
) -> dict[str, dict[str, JsonDict]]:
    """Build `state.values` for a view or message as Slack would, from what a user entered.

    `values` maps action_id (or "block_id.action_id") to: a str for text inputs, an
    option value for selects and radio buttons, a list of option values for multi
    selects and checkboxes, a user id for users_select, "YYYY-MM-DD" for datepickers.
    """
    blocks = _blocks_of(source)
    supplied: dict[tuple[str, str], object] = {}
    for key, value in (values or {}).items():
        located = _locate(blocks, key, stateful_only=True)
        supplied[(located.block_id, located.action_id)] = value
    state: dict[str, dict[str, JsonDict]] = {}
    block_by_id = {
        str(b.get("block_id") or _auto_block_id(i)): b
        for i, b in enumerate(blocks)
        if isinstance(b, dict)
    }
    for located in _iter_elements(blocks):
        kind = located.element.get("type")
        if kind not in _STATEFUL:
            continue
        given = supplied.get((located.block_id, located.action_id), _UNSET)
        fields = _state_fields(located.element, located.action_id, given)
        if client_checks:
            _client_check(block_by_id[located.block_id], located, fields)
        state.setdefault(located.block_id, {})[located.action_id] = {"type": kind, **fields}
    return state


def _mint_trigger_id() -> str:
    first = 10_000_000_000 + secrets.randbelow(90_000_000_000)
    second = 100_000_000 + secrets.randbelow(900_000_000)
    return f"{first}.{second}.{secrets.token_hex(16)}"


def _action_ts() -> str:
    return f"{time.time():.6f}"


class SlackWorkspace:
    """Sends an app what Slack sends it when people use it, signed with the app's secret."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        emulator: SlackWebApiEmulator,
        team_id: str = TEAM_ID,
        *,
        timeout: float = 10.0,
        socket_mode: SocketModeEndpoint | None = None,
    ) -> None:
        """With `socket_mode`, requests go to the app as envelopes over its Socket Mode
        connection instead of signed HTTP POSTs to `app_url`."""
        if urlsplit(app_url).scheme not in {"http", "https"}:
            raise ValueError("app_url must be an http(s) URL")
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.emulator = emulator
        self.team_id = team_id
        self.timeout = timeout
        self.socket_mode = socket_mode
        self._verifier = SignatureVerifier(signing_secret)

    # -- transport -----------------------------------------------------------------

    def sign(self, body: str, timestamp: int) -> str:
        """The X-Slack-Signature Slack would send for this body and time."""
        signature = self._verifier.generate_signature(timestamp=str(timestamp), body=body)
        assert signature is not None
        return signature

    def post_signed(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResult:
        """POST a body to the app with Slack's signature headers; HTTP errors are returned."""
        ts = int(time.time()) if timestamp is None else timestamp
        request_headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature if signature is not None else self.sign(body, ts),
        }
        request_headers.update(headers or {})
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.app_url, data=body.encode(), headers=request_headers, method="POST"
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = int(response.status)
                raw = response.read()
                answer_headers = dict(response.headers.items())
        except urllib.error.HTTPError as error:
            status = error.code
            raw = error.read()
            answer_headers = dict(error.headers.items())
        return HttpResult(
            status=status,
            body=raw.decode("utf-8", errors="replace"),
            elapsed=time.perf_counter() - started,
            headers=answer_headers,
        )

    def _post_form(self, fields: Mapping[str, str]) -> HttpResult:
        if self.socket_mode is not None:
            return self._send_envelope("slash_commands", dict(fields))
        return self.post_signed(urlencode(dict(fields)), _FORM)

    def _post_payload(self, payload: Mapping[str, Any]) -> HttpResult:
        if self.socket_mode is not None:
            return self._send_envelope("interactive", dict(payload))
        return self._post_form({"payload": json.dumps(payload)})

    def _send_envelope(
        self, kind: str, payload: JsonDict, *, retry_attempt: int = 0, retry_reason: str = ""
    ) -> HttpResult:
        """Socket Mode: the acknowledgement's payload stands in for an HTTP answer's body; no
        acknowledgement in time reads as a 504."""
        assert self.socket_mode is not None
        started = time.perf_counter()
        ack = self.socket_mode.send(
            kind,
            payload,
            timeout=self.timeout,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )
        elapsed = time.perf_counter() - started
        if ack is None:
            return HttpResult(status=504, body="no acknowledgement", elapsed=elapsed)
        answer = ack.get("payload")
        return HttpResult(status=200, body=json.dumps(answer) if answer else "", elapsed=elapsed)

    # -- identities ------------------------------------------------------------------

    def mint_trigger_id(self, user_id: str | None) -> str:
        """A fresh trigger id the emulator will accept once, within its lifetime."""
        trigger_id = _mint_trigger_id()
        self.emulator.register_trigger(trigger_id, user_id)
        return trigger_id

    def username(self, user_id: str) -> str:
        """The handle Slack would send for a user."""
        record = self.emulator.user_record(user_id)
        return str(record["name"]) if record else user_id.lower()

    def _user(self, user_id: str) -> JsonDict:
        name = self.username(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> JsonDict:
        return {"id": self.team_id, "domain": TEAM_DOMAIN}

    def _interaction(self, kind: str, user_id: str, trigger_id: str) -> JsonDict:
        return {
            "type": kind,
            "token": _VERIFICATION_TOKEN,
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "trigger_id": trigger_id,
            "is_enterprise_install": False,
            "enterprise": None,
        }

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
                "token": _VERIFICATION_TOKEN,
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
        payload.update({"callback_id": callback_id, "action_ts": _action_ts()})
        return replace(self._post_payload(payload), trigger_id=trigger_id)

    # -- block actions -------------------------------------------------------------------

    def click_button(
        self,
        user_id: str,
        action_id: str,
        value: str | None = None,
        block_id: str | None = None,
        *,
        message: Mapping[str, Any] | None = None,
        channel_id: str | None = None,
        view: Mapping[str, Any] | None = None,
        values: Mapping[str, object] | None = None,
    ) -> HttpResult:
        """Click a button on a message or in a view (found by action_id, or block_id too)."""
        source = view if view is not None else message
        action: JsonDict = {"type": "button", "action_id": action_id, "block_id": block_id}
        if source is not None:
            key = f"{block_id}.{action_id}" if block_id else action_id
            located = _locate(_blocks_of(source), key, stateful_only=False)
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
        return self._block_actions(
            user_id, action, message=message, channel_id=channel_id, view=view, values=values
        )

    def click_labelled(
        self, user_id: str, message_or_view: Mapping[str, Any], label: str, **kw: Any
    ) -> HttpResult:
        """Click the button with this label on a stored message or view."""
        located = _locate_button(message_or_view, label)
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
        message: Mapping[str, Any] | None = None,
        channel_id: str | None = None,
        view: Mapping[str, Any] | None = None,
        values: Mapping[str, object] | None = None,
    ) -> HttpResult:
        """Pick in a select, radio group, checkbox group, user picker, datepicker or overflow.

        `selected` is what `submit_view` takes for that element: an option value,
        a list of option values, a user id or a date.
        """
        source = view if view is not None else message
        if source is None:
            raise ValueError("select_option needs the message or view holding the element")
        blocks = _blocks_of(source)
        key = f"{block_id}.{action_id}" if block_id else action_id
        located = _locate(blocks, key, stateful_only=False)
        element = located.element
        kind = str(element.get("type"))
        if kind == "overflow":
            fields: JsonDict = {"selected_option": _pick_option(element, selected, action_id)}
        else:
            fields = _state_fields(element, located.action_id, selected)
            # The payload's state already holds the new choice, as on Slack.
            merged = dict(values or {})
            merged[f"{located.block_id}.{located.action_id}"] = selected
            values = merged
        action: JsonDict = {
            "type": kind,
            "action_id": located.action_id,
            "block_id": located.block_id,
            **fields,
        }
        if "placeholder" in element:
            action["placeholder"] = copy.deepcopy(element["placeholder"])
        return self._block_actions(
            user_id, action, message=message, channel_id=channel_id, view=view, values=values
        )

    def _block_actions(
        self,
        user_id: str,
        action: JsonDict,
        *,
        message: Mapping[str, Any] | None,
        channel_id: str | None,
        view: Mapping[str, Any] | None,
        values: Mapping[str, object] | None,
    ) -> HttpResult:
        trigger_id = self.mint_trigger_id(user_id)
        action["action_ts"] = _action_ts()
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
        body.setdefault("event_ts", _action_ts())
        envelope = {
            "token": _VERIFICATION_TOKEN,
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
            result = self.post_signed(json.dumps(envelope), _JSON, headers=headers)
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
        body = {"token": _VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self.post_signed(json.dumps(body), _JSON)
