"""A local stand-in for Slack's Web API, for the test suite and `speakup demo`."""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.demo.simulator.background import BackgroundServer

JsonDict = dict[str, Any]

TEAM_ID = "T0SPEAKUP"
TEAM_NAME = "Speakup Simulated"
TEAM_DOMAIN = "speakup-sim"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0SPEAKUP"
# Slack lets a trigger id be exchanged once, within about three seconds.
TRIGGER_TTL_SECONDS = 3.0
BOT_SCOPES = "commands,chat:write,im:write,im:history,users:read,usergroups:read"

# slack_sdk form-encodes these as JSON strings; callers want the objects back.
_JSON_PARAMS = ("blocks", "view", "attachments", "metadata")
_MAX_MESSAGE_BLOCKS = 50
_MAX_SECTION_FIELD = 2000
_MAX_VIEW_BYTES = 250_000


@dataclass(frozen=True)
class RecordedCall:
    """One request the emulator answered, failed ones included."""

    method: str
    params: JsonDict
    token: str | None
    at: float
    status: int = 200
    error: str | None = None
    path: str = ""

    @property
    def ok(self) -> bool:
        """True when Slack would have reported success."""
        return self.status == 200 and self.error is None


@dataclass(frozen=True)
class SentView:
    """A modal as it stood after views.open/push/update or a submission's response_action."""

    method: str
    user_id: str | None
    view: JsonDict
    at: float


@dataclass
class _Fault:
    status: int
    retry_after: int
    remaining: int
    error: str | None = None  # answer HTTP 200 with `ok: false` and this error instead


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    error: str | None = None


class _ApiError(Exception):
    """Raised by a method handler to answer `ok: false` without touching state."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []


def _json_reply(payload: JsonDict, headers: tuple[tuple[str, str], ...] = ()) -> _Reply:
    return _Reply(status=200, body=json.dumps(payload).encode(), headers=headers)


def _param_str(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _truthy(value: object) -> bool:
    # slack_sdk sends booleans as "1"/"0" in forms and as true/false in JSON.
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _ts_float(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def _block_problems(blocks: object) -> list[str]:
    """Problems Slack would refuse a block list for, as far as slack_sdk and we can tell."""
    if not isinstance(blocks, list):
        return ["[ERROR] blocks must be an array"]
    problems: list[str] = []
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            problems.append(f"[ERROR] block {index} must be an object")
            continue
        if block.get("type") == "section":
            # slack_sdk checks section text length but not the length of each field.
            for f_index, fld in enumerate(block.get("fields") or []):
                if isinstance(fld, dict) and len(str(fld.get("text", ""))) > _MAX_SECTION_FIELD:
                    problems.append(
                        f"[ERROR] must be less than {_MAX_SECTION_FIELD + 1} characters "
                        f"[json-pointer:/blocks/{index}/fields/{f_index}/text]"
                    )
        try:
            parsed = Block.parse(block)
            if parsed is not None:
                _validate_model(parsed)
        except SlackObjectFormationError as exc:
            problems.append(f"[ERROR] {exc} [json-pointer:/blocks/{index}]")
        except Exception:  # noqa: S112
            # slack_sdk's models lag behind Slack; what they cannot parse we let through.
            continue
    return problems


def _validate_model(obj: object) -> None:
    # JsonObject.validate_json checks one level only; limits on nested elements
    # (button text, option text, ...) live on the children.
    if isinstance(obj, JsonObject):
        obj.validate_json()
        for name in sorted(getattr(obj, "attributes", ())):
            _validate_model(getattr(obj, name, None))
    elif isinstance(obj, list | tuple):
        for item in obj:
            _validate_model(item)


def _view_problems(view: JsonDict) -> list[str]:
    problems: list[str] = []
    if len(json.dumps(view)) > _MAX_VIEW_BYTES:
        return ["view_too_large"]
    try:
        View(**view).validate_json()
    except SlackObjectFormationError as exc:
        problems.append(f"[ERROR] {exc}")
    except Exception:  # noqa: S110
        # An unparseable view is judged by the checks below alone.
        pass
    blocks = view.get("blocks", [])
    problems.extend(_block_problems(blocks))
    has_input = isinstance(blocks, list) and any(
        isinstance(b, dict) and b.get("type") == "input" for b in blocks
    )
    if view.get("type") == "modal":
        if not view.get("title"):
            problems.append("[ERROR] missing required field: title [json-pointer:/view/title]")
        if has_input and not view.get("submit"):
            problems.append(
                "[ERROR] submit is required when an input block is present "
                "[json-pointer:/view/submit]"
            )
    return problems


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: SlackWebApiEmulator


class _Handler(BaseHTTPRequestHandler):
    server_version = "SlackWebApiEmulator/1.0"

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines would drown test output; the emulator records calls instead.
        return

    def _handle(self) -> None:
        emulator = cast(_Server, self.server).emulator
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        reply = emulator._dispatch(
            command=self.command,
            target=self.path,
            content_type=self.headers.get("Content-Type", ""),
            authorization=self.headers.get("Authorization"),
            raw=raw,
        )
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            return  # the app gave up waiting (set_outage("hang")): nobody to answer


class SlackWebApiEmulator(BackgroundServer):
    """Answers Slack Web API calls over real HTTP and remembers what the app did."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
        validate_blocks: bool = True,
    ) -> None:
        super().__init__("slack-web-api-emulator")
        self._host = host
        self._port = port
        self.trigger_ttl = trigger_ttl
        self.validate_blocks = validate_blocks
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._last_ts_us = 0
        # Directory data is configuration and survives reset().
        self._users: dict[str, JsonDict] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._archived: set[str] = set()
        self._socket_mode_url: Callable[[], str] | None = None
        self._socket_mode_token: str | None = None
        # An outage of the whole Web API (set_outage); it survives reset().
        self._outage: str | None = None
        self._hang_seconds = 30.0
        self._outage_methods: frozenset[str] | None = None
        self._outage_over = threading.Event()
        self._clear_state()

    def _clear_state(self) -> None:
        self._calls: list[RecordedCall] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._messages: dict[str, list[JsonDict]] = {}
        self._ephemerals: list[JsonDict] = []
        self._open_ims: set[str] = set()
        self._triggers: dict[str, tuple[str | None, float]] = {}
        self._used_triggers: set[str] = set()
        self._views: dict[str, JsonDict] = {}
        self._view_users: dict[str, str | None] = {}
        self._external_ids: dict[str, str] = {}
        self._stacks: dict[str | None, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._sent_views: list[SentView] = []

    # -- lifecycle -------------------------------------------------------------

    def _bind(self) -> _Server:
        server = _Server((self._host, self._port), _Handler)
        server.emulator = self
        return server

    @property
    def root_url(self) -> str:
        """`http://127.0.0.1:PORT`, without a trailing slash."""
        host, port = self._address()
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """What the app passes to WebClient(base_url=...)."""
        return f"{self.root_url}/api/"

    # -- directory and set-up ----------------------------------------------------

    def enable_socket_mode(self, url: Callable[[], str], *, token: str | None = None) -> None:
        """Let `apps.connections.open` (with an app-level token, or only `token`) hand out
        `url()`."""
        self._socket_mode_url = url
        self._socket_mode_token = token

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

    def archive_channel(self, channel_id: str) -> None:
        """Make every later call naming this channel fail with channel_not_found."""
        with self._lock:
            self._archived.add(channel_id)

    def im_channel_id(self, user_id: str) -> str:
        """The bot's DM channel with this user; stable across runs."""
        suffix = hashlib.sha256(user_id.encode()).hexdigest()[:10].upper()
        return f"D{suffix}"

    def register_trigger(
        self, trigger_id: str, user_id: str | None, minted_at: float | None = None
    ) -> None:
        """Tell the emulator who a trigger id belongs to and when it was minted."""
        with self._lock:
            self._triggers[trigger_id] = (
                user_id,
                time.monotonic() if minted_at is None else minted_at,
            )

    def new_response_url(self) -> str:
        """A fresh response_url served by this emulator."""
        return f"{self.root_url}/response/{secrets.token_hex(12)}"

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

    def fail_next(
        self,
        method: str,
        times: int,
        status: int = 500,
        retry_after: int = 1,
        *,
        error: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with HTTP `status` (or, given `error`,
        with Slack's `ok: false` and that error), after any queued faults."""
        if times < 1:
            raise ValueError("times must be at least 1")
        if error is None and not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (4xx or 5xx)")
        with self._lock:
            self._faults.setdefault(method, deque()).append(
                _Fault(status=status, retry_after=retry_after, remaining=times, error=error)
            )

    def set_outage(
        self, mode: str | None, *, hang_seconds: float = 30.0, methods: list[str] | None = None
    ) -> None:
        """Make the Web API (or only `methods`) unwell until called again with None:
        "hang": every call waits, unanswered, until the outage ends (at most `hang_seconds`),
        then gets HTTP 503 without having done anything;
        "refuse_token": every call is answered `ok: false` with `invalid_auth`."""
        if mode not in (None, "hang", "refuse_token"):
            raise ValueError("mode must be None, 'hang' or 'refuse_token'")
        with self._lock:
            self._outage = mode
            self._hang_seconds = hang_seconds
            self._outage_methods = frozenset(methods) if methods is not None else None
            if mode is None:
                self._outage_over.set()
            else:
                self._outage_over.clear()

    def reset(self) -> None:
        """Forget calls, messages, views, triggers and faults; keep users, groups and archives."""
        with self._lock:
            self._clear_state()

    # -- inspection ----------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """Every call so far, oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Calls of one method (e.g. "chat.postMessage" or "response_url")."""
        with self._lock:
            return [c for c in self._calls if c.method == method]

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

    def ephemeral_messages(self, user_id: str | None = None) -> list[JsonDict]:
        """chat.postEphemeral messages, optionally only those shown to one user."""
        with self._lock:
            return [
                copy.deepcopy(m)
                for m in self._ephemerals
                if user_id is None or m.get("user") == user_id
            ]

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

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Poll until `predicate()` is true; False if it never was within `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

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
                    SentView(f"response_action.{action}", user_id, copy.deepcopy(stored), _now())
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

    # -- request handling ----------------------------------------------------------

    def _dispatch(
        self,
        *,
        command: str,
        target: str,
        content_type: str,
        authorization: str | None,
        raw: bytes,
    ) -> _Reply:
        parts = urlsplit(target)
        path = parts.path
        params = _parse_params(parts.query, content_type, raw, command)
        if path.startswith("/response/") and command == "POST":
            return self._answer_response_url(path, params)
        if not path.startswith("/api/"):
            return _Reply(404, b"Not Found", "text/plain; charset=utf-8")
        method = path[len("/api/") :]
        token = _bearer(authorization)
        with self._lock:
            outage, hang_seconds = self._outage, self._hang_seconds
            if self._outage_methods is not None and method not in self._outage_methods:
                outage = None
        if outage == "hang":
            self._outage_over.wait(hang_seconds)  # outside the lock: other calls hang too
        with self._lock:
            if outage == "hang":
                reply = _Reply(503, b"simulated hang", "text/plain", error="http_503")
            elif outage == "refuse_token":
                reply = _json_reply({"ok": False, "error": "invalid_auth"})
                reply = _Reply(reply.status, reply.body, error="invalid_auth")
            else:
                reply = self._fault_reply(method) or self._call_method(method, params, token)
            self._calls.append(
                RecordedCall(
                    method=method,
                    params=params,
                    token=token,
                    at=_now(),
                    status=reply.status,
                    error=reply.error,
                    path=path,
                )
            )
            return reply

    def _answer_response_url(self, path: str, params: JsonDict) -> _Reply:
        with self._lock:
            self._calls.append(
                RecordedCall(method="response_url", params=params, token=None, at=_now(), path=path)
            )
        return _Reply(200, b"ok", "text/plain; charset=utf-8")

    def _fault_reply(self, method: str) -> _Reply | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        if fault.error is not None:
            body = json.dumps({"ok": False, "error": fault.error}).encode()
            return _Reply(200, body, error=fault.error)
        if fault.status == 429:
            body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
            return _Reply(
                429, body, headers=(("Retry-After", str(fault.retry_after)),), error="ratelimited"
            )
        text = f"{fault.status} simulated Slack failure".encode()
        return _Reply(fault.status, text, "text/plain; charset=utf-8", error=f"http_{fault.status}")

    def _call_method(self, method: str, params: JsonDict, token: str | None) -> _Reply:
        handlers: dict[str, Callable[[JsonDict], JsonDict]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "usergroups.users.list": self._usergroups_users_list,
        }
        try:
            if method == "apps.connections.open":
                return _json_reply({"ok": True, **self._apps_connections_open(token)})
            handler = handlers.get(method)
            if handler is None:
                raise _ApiError("unknown_method")
            if token is None:
                raise _ApiError("not_authed")
            result = handler(params)
        except _ApiError as exc:
            payload: JsonDict = {"ok": False, "error": exc.error}
            if exc.messages:
                payload["response_metadata"] = {"messages": exc.messages}
            reply = _json_reply(payload)
            return _Reply(reply.status, reply.body, error=exc.error)
        headers: tuple[tuple[str, str], ...] = ()
        if method == "auth.test":
            # Bolt reads the granted scopes from this header.
            headers = (("X-OAuth-Scopes", BOT_SCOPES),)
        return _json_reply({"ok": True, **result}, headers)

    # -- helpers shared by methods ---------------------------------------------------

    def _next_ts(self) -> str:
        # Real clock so `oldest`/`latest` filters behave; strictly increasing so ts is a key.
        now_us = time.time_ns() // 1000
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}0SIM{next(self._ids):06d}"

    def _resolve_channel(self, channel: str) -> str:
        # Posting to a user id lands in the bot's DM with that user, as on Slack.
        if channel[:1] in {"U", "W"}:
            return self.im_channel_id(channel)
        return channel

    def _require_channel(self, params: JsonDict, resolve_users: bool = False) -> str:
        channel = _param_str(params, "channel")
        if channel is None:
            raise _ApiError("channel_not_found")
        if channel in self._archived:
            raise _ApiError("channel_not_found")
        if resolve_users:
            channel = self._resolve_channel(channel)
            if channel in self._archived:
                raise _ApiError("channel_not_found")
        return channel

    def _check_message_content(self, params: JsonDict, *, required: bool) -> None:
        has_text = _param_str(params, "text") is not None
        has_blocks = bool(params.get("blocks"))
        has_attachments = bool(params.get("attachments"))
        if required and not (has_text or has_blocks or has_attachments):
            raise _ApiError("no_text")
        if "blocks" in params and self.validate_blocks:
            blocks = params["blocks"]
            if isinstance(blocks, list) and len(blocks) > _MAX_MESSAGE_BLOCKS:
                raise _ApiError(
                    "invalid_blocks", [f"[ERROR] no more than {_MAX_MESSAGE_BLOCKS} items allowed"]
                )
            problems = _block_problems(blocks)
            if problems:
                raise _ApiError("invalid_blocks", problems)

    def _find_message(self, channel: str, ts: str) -> JsonDict | None:
        for message in self._messages.get(channel, []):
            if message["ts"] == ts:
                return message
        return None

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

    def _check_view(self, view: object) -> JsonDict:
        if not isinstance(view, dict):
            raise _ApiError("invalid_arguments", ["[ERROR] missing required field: view"])
        if self.validate_blocks:
            problems = _view_problems(view)
            if problems == ["view_too_large"]:
                raise _ApiError("view_too_large")
            if problems:
                raise _ApiError("invalid_arguments", problems)
        return view

    def _claim_trigger(self, params: JsonDict) -> str | None:
        """Spend a trigger id and return whose it was."""
        trigger_id = _param_str(params, "trigger_id")
        if trigger_id is None:
            raise _ApiError("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
        if trigger_id in self._used_triggers:
            raise _ApiError("exchanged_trigger_id")
        user_id, minted_at = self._triggers.get(trigger_id, (None, None))
        if minted_at is not None and time.monotonic() - minted_at > self.trigger_ttl:
            raise _ApiError("expired_trigger_id")
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

    # -- methods -----------------------------------------------------------------------

    def _apps_connections_open(self, token: str | None) -> JsonDict:
        if self._socket_mode_url is None:
            raise _ApiError("not_allowed")
        if token is None:
            raise _ApiError("not_authed")
        if not token.startswith("xapp-"):
            raise _ApiError("not_allowed_token_type")
        if self._socket_mode_token is not None and token != self._socket_mode_token:
            raise _ApiError("invalid_auth")
        return {"url": self._socket_mode_url()}

    def _auth_test(self, params: JsonDict) -> JsonDict:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": "speakup",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params, resolve_users=True)
        self._check_message_content(params, required=True)
        message: JsonDict = {
            "type": "message",
            "channel": channel,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": _param_str(params, "text") or "",
            "ts": self._next_ts(),
        }
        for key in ("blocks", "attachments", "metadata"):
            if params.get(key):
                message[key] = copy.deepcopy(params[key])
        thread_ts = _param_str(params, "thread_ts")
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
            if _truthy(params.get("reply_broadcast", False)):
                message["reply_broadcast"] = True
        self._store_message(message)
        return {
            "channel": channel,
            "ts": message["ts"],
            "message": self._public_message(message),
        }

    def _chat_update(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params)
        ts = _param_str(params, "ts")
        message = self._find_message(channel, ts) if ts is not None else None
        if message is None:
            raise _ApiError("message_not_found")
        self._check_message_content(params, required=False)
        # Fields the caller leaves out keep their value, as on Slack.
        if "text" in params:
            message["text"] = _param_str(params, "text") or ""
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

    def _chat_post_ephemeral(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params, resolve_users=True)
        user = _param_str(params, "user")
        if user is None:
            raise _ApiError("user_not_in_channel")
        self._check_message_content(params, required=True)
        message_ts = self._next_ts()
        ephemeral: JsonDict = {
            "channel": channel,
            "user": user,
            "text": _param_str(params, "text") or "",
            "message_ts": message_ts,
        }
        for key in ("blocks", "attachments", "thread_ts"):
            if params.get(key):
                ephemeral[key] = copy.deepcopy(params[key])
        self._ephemerals.append(ephemeral)
        return {"message_ts": message_ts}

    def _chat_get_permalink(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params)
        ts = _param_str(params, "message_ts")
        if ts is None:
            raise _ApiError("message_not_found")
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"channel": channel, "permalink": link}

    def _conversations_open(self, params: JsonDict) -> JsonDict:
        channel = _param_str(params, "channel")
        users_param = _param_str(params, "users")
        if channel is not None:
            if channel in self._archived:
                raise _ApiError("channel_not_found")
            return {"channel": {"id": channel}, "no_op": True, "already_open": True}
        if users_param is None:
            raise _ApiError("users_list_not_supplied")
        users = [u.strip() for u in users_param.split(",") if u.strip()]
        if len(users) > 8:
            raise _ApiError("too_many_users")
        if len(users) == 1:
            channel_id = self.im_channel_id(users[0])
            info: JsonDict = {"id": channel_id, "is_im": True, "user": users[0]}
        else:
            digest = hashlib.sha256(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
            channel_id = f"G{digest}"
            info = {"id": channel_id, "is_mpim": True}
        if channel_id in self._archived:
            raise _ApiError("channel_not_found")
        already_open = channel_id in self._open_ims
        self._open_ims.add(channel_id)
        result: JsonDict = {"channel": info}
        if already_open:
            result.update({"no_op": True, "already_open": True})
        return result

    def _conversations_history(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params)
        include_metadata = _truthy(params.get("include_all_metadata", False))
        inclusive = _truthy(params.get("inclusive", False))
        oldest = _ts_float(params.get("oldest", 0)) or 0.0
        latest = _ts_float(params.get("latest")) if params.get("latest") else None
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
        cursor = _param_str(params, "cursor") or ""
        start = int(cursor[4:]) if cursor.startswith("off:") and cursor[4:].isdigit() else 0
        page = selected[start : start + limit]
        more = len(selected) > start + limit
        return {
            "messages": [self._public_message(m, include_metadata) for m in page],
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": f"off:{start + limit}" if more else ""},
        }

    def _conversations_replies(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params)
        ts = _param_str(params, "ts")
        parent = self._find_message(channel, ts) if ts is not None else None
        if parent is None or ts is None:
            raise _ApiError("thread_not_found")
        include_metadata = _truthy(params.get("include_all_metadata", False))
        replies = [
            m for m in self._messages.get(channel, []) if m.get("thread_ts") == ts and m["ts"] != ts
        ]
        return {
            "messages": [self._public_message(m, include_metadata) for m in [parent, *replies]],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    def _views_open(self, params: JsonDict) -> JsonDict:
        given = self._check_view(params.get("view"))
        user_id = self._claim_trigger(params)
        view = self._make_view(given)
        self._keep_view(view, user_id)
        self._stacks[user_id] = [view["id"]]
        self._sent_views.append(SentView("views.open", user_id, copy.deepcopy(view), _now()))
        return {"view": copy.deepcopy(view)}

    def _views_push(self, params: JsonDict) -> JsonDict:
        given = self._check_view(params.get("view"))
        trigger_id = _param_str(params, "trigger_id") or ""
        user_id = self._triggers.get(trigger_id, (None, 0.0))[0]
        stack = self._stacks.get(user_id, [])
        # Slack allows views.open plus two pushes.
        if len(stack) >= 3:
            raise _ApiError("push_limit_reached")
        user_id = self._claim_trigger(params)
        view = self._make_view(
            given,
            root_view_id=stack[0] if stack else None,
            previous_view_id=stack[-1] if stack else None,
        )
        self._keep_view(view, user_id)
        self._stacks.setdefault(user_id, []).append(view["id"])
        self._sent_views.append(SentView("views.push", user_id, copy.deepcopy(view), _now()))
        return {"view": copy.deepcopy(view)}

    def _views_update(self, params: JsonDict) -> JsonDict:
        view_id = _param_str(params, "view_id")
        external_id = _param_str(params, "external_id")
        if view_id is None and external_id is not None:
            view_id = self._external_ids.get(external_id)
        if view_id is None or view_id not in self._views:
            raise _ApiError("not_found")
        given = self._check_view(params.get("view"))
        old = self._views[view_id]
        expected_hash = _param_str(params, "hash")
        if expected_hash is not None and expected_hash != old["hash"]:
            raise _ApiError("hash_conflict")
        user_id = self._view_users.get(view_id)
        view = self._make_view(
            given,
            view_id=view_id,
            root_view_id=old.get("root_view_id"),
            previous_view_id=old.get("previous_view_id"),
        )
        self._keep_view(view, user_id)
        self._sent_views.append(SentView("views.update", user_id, copy.deepcopy(view), _now()))
        return {"view": copy.deepcopy(view)}

    def _views_publish(self, params: JsonDict) -> JsonDict:
        user_id = _param_str(params, "user_id")
        if user_id is None:
            raise _ApiError("invalid_arguments", ["[ERROR] missing required field: user_id"])
        given = self._check_view(params.get("view"))
        if given.get("type") != "home":
            raise _ApiError("invalid_arguments", ['[ERROR] view type must be "home"'])
        old_id = self._homes.get(user_id)
        expected_hash = _param_str(params, "hash")
        if (
            old_id is not None
            and expected_hash is not None
            and expected_hash != self._views[old_id]["hash"]
        ):
            raise _ApiError("hash_conflict")
        view = self._make_view(given, view_id=old_id)
        self._keep_view(view, user_id)
        self._homes[user_id] = view["id"]
        return {"view": copy.deepcopy(view)}

    def _users_info(self, params: JsonDict) -> JsonDict:
        user_id = _param_str(params, "user")
        record = self._users.get(user_id or "")
        if record is None:
            raise _ApiError("user_not_found")
        return {"user": copy.deepcopy(record)}

    def _usergroups_users_list(self, params: JsonDict) -> JsonDict:
        group_id = _param_str(params, "usergroup")
        members = self._usergroups.get(group_id or "")
        if members is None:
            raise _ApiError("no_such_subteam")
        return {"users": list(members)}


def _now() -> float:
    return time.monotonic()


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _parse_params(query: str, content_type: str, raw: bytes, command: str) -> JsonDict:
    """Merge query string and body into one dict, decoding JSON-valued fields."""
    params: JsonDict = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";", 1)[0].strip().lower()
    if raw and command == "POST":
        text = raw.decode("utf-8", errors="replace")
        if media_type == "application/json":
            try:
                body = json.loads(text)
            except json.JSONDecodeError:
                body = None
            if isinstance(body, dict):
                params.update(body)
        elif media_type in {"application/x-www-form-urlencoded", ""}:
            params.update(parse_qsl(text, keep_blank_values=True))
    for key in _JSON_PARAMS:
        value = params.get(key)
        if isinstance(value, str) and value.strip()[:1] in {"[", "{"}:
            try:
                params[key] = json.loads(value)
            except json.JSONDecodeError:
                continue
    return params
