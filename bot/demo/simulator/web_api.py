"""A local stand-in for Slack's Web API, for the test suite and `speakup demo`.

A real HTTP server (`base_url` is what the app gives its WebClient) that answers as Slack
does and remembers what the app did. The methods live by family — chat, conversations,
views, directory, files, auth — in the `api_*` modules beside this one, the failure modes a
test can order in `api_faults`; this class puts them together and routes each request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from bot.demo.simulator.api_auth import AuthApi
from bot.demo.simulator.api_channels import ChannelState
from bot.demo.simulator.api_chat import ChatApi
from bot.demo.simulator.api_conversations import ConversationsApi
from bot.demo.simulator.api_core import MethodHandler, RecordedCall, now
from bot.demo.simulator.api_directory import DirectoryApi
from bot.demo.simulator.api_faults import Delivery, FaultsApi
from bot.demo.simulator.api_files import UPLOAD_CALL, UPLOAD_PATH, FilesApi, UploadedFile
from bot.demo.simulator.api_http import HttpRequest, Reply, error_reply, json_reply, text_reply
from bot.demo.simulator.api_params import ApiError, JsonDict, bearer, parse_params
from bot.demo.simulator.api_views import SentView, ViewsApi
from bot.demo.simulator.identity import APP_ID, TEAM_ID, TRIGGER_TTL_SECONDS

# The app's and workspace's ids are re-exported: tests address the app by them.
__all__ = [
    "APP_ID",
    "TEAM_ID",
    "TRIGGER_TTL_SECONDS",
    "ChannelState",
    "RecordedCall",
    "SentView",
    "SlackWebApiEmulator",
    "UploadedFile",
]

_API_PATH = "/api/"
_RESPONSE_PATH = "/response/"
RESPONSE_URL_CALL = "response_url"


class SlackWebApiEmulator(
    FaultsApi, AuthApi, ChatApi, ConversationsApi, FilesApi, ViewsApi, DirectoryApi
):
    """Answers Slack Web API calls over real HTTP and remembers what the app did."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
        validate_blocks: bool = True,
    ) -> None:
        super().__init__(
            host=host, port=port, trigger_ttl=trigger_ttl, validate_blocks=validate_blocks
        )
        self._methods: dict[str, MethodHandler] = self._api_methods()

    def new_response_url(self) -> str:
        """A fresh response_url served by this emulator."""
        return f"{self.root_url}{_RESPONSE_PATH}{secrets.token_hex(12)}"

    def reset(self) -> None:
        """Forget calls, messages, views, triggers, uploads and faults (outages end); keep
        users, groups, channel states, refused users and the posting rate limit."""
        self.release()
        self.come_online()
        with self._lock:
            self._clear_state()

    # -- request handling --------------------------------------------------------------------

    def answer_request(self, http: HttpRequest) -> Reply | None:
        request = _Request(
            http.command,
            urlsplit(http.target),
            http.content_type,
            http.raw,
            bearer(http.authorization),
        )
        delivery, lost, held_until = self._transport()
        if delivery is Delivery.DROP:
            # Recorded on arrival, so a test sees the attempt while Slack still hangs.
            name, params = request.describe()
            if name:
                self._record(request.record(name, params, status=0, error=lost, delivered=False))
            if held_until is not None:
                held_until.wait()
            return None
        if held_until is not None:
            held_until.wait()
        outage = self._outage_for(request.describe()[0])
        if outage is not None and outage.mode == "hang":
            outage.over.wait(outage.hang_seconds)  # outside the lock: other calls hang too
        with self._lock:
            name, params = request.describe()
            if outage is not None and outage.mode == "hang":
                reply = text_reply(503, "simulated hang", "http_503")
            elif outage is not None:
                reply = json_reply({"ok": False, "error": "invalid_auth"})
                reply = Reply(reply.status, reply.body, error="invalid_auth")
            else:
                reply, params = self._answer(name, params, request)
            if name:
                self._record(
                    request.record(
                        name,
                        params,
                        status=reply.status,
                        error=reply.error,
                        delivered=delivery is Delivery.ANSWER,
                    )
                )
        return reply if delivery is Delivery.ANSWER else None

    def _answer(self, name: str, params: JsonDict, request: _Request) -> tuple[Reply, JsonDict]:
        if name == UPLOAD_CALL and request.command == "POST":
            return self._receive_upload(request.parts.path, request.content_type, request.raw)
        if name == RESPONSE_URL_CALL:
            return text_reply(200, "ok"), params
        if not name or name == UPLOAD_CALL:
            return text_reply(404, "Not Found"), params
        reply = self._fault_reply(name) or self._call_method(name, params, request.token)
        return reply, params

    def _call_method(self, method: str, params: JsonDict, token: str | None) -> Reply:
        try:
            handler = self._methods.get(method)
            if handler is None:
                raise ApiError("unknown_method")
            self._authenticate(method, token)
            result = handler(params)
        except ApiError as exc:
            return error_reply(exc)
        return json_reply({"ok": True, **result}, self._answer_headers(method))


@dataclass(frozen=True)
class _Request:
    command: str
    parts: SplitResult
    content_type: str
    raw: bytes
    token: str | None

    def describe(self) -> tuple[str, JsonDict]:
        """The call's name for the record ("" for paths Slack does not serve) and params."""
        path = self.parts.path
        if path.startswith(UPLOAD_PATH):
            return UPLOAD_CALL, {}
        params = parse_params(self.parts.query, self.content_type, self.raw, self.command)
        if path.startswith(_RESPONSE_PATH) and self.command == "POST":
            return RESPONSE_URL_CALL, params
        if path.startswith(_API_PATH):
            return path[len(_API_PATH) :], params
        return "", params

    def record(
        self, name: str, params: JsonDict, *, status: int, error: str | None, delivered: bool
    ) -> RecordedCall:
        # Response and upload URLs carry no token: the URL itself is the credential.
        token = None if name in (RESPONSE_URL_CALL, UPLOAD_CALL) else self.token
        return RecordedCall(
            method=name,
            params=params,
            token=token,
            at=now(),
            status=status,
            error=error,
            path=self.parts.path,
            delivered=delivered,
        )
