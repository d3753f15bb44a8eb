"""How the simulated workspace reaches the app: requests signed exactly as Slack signs them
and POSTed over HTTP, or sent as envelopes over Socket Mode; and the ids (trigger ids, user
and team objects) Slack puts in every request."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier

from bot.demo.simulator.identity import APP_ID, TEAM_DOMAIN, TEAM_ID
from bot.demo.simulator.socket_mode import SocketModeEndpoint
from bot.demo.simulator.web_api import SlackWebApiEmulator

JsonDict = dict[str, Any]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Slack's own requests carry a verification token too; Bolt ignores it.
VERIFICATION_TOKEN = "sim-verification-token"  # noqa: S105 (a public placeholder)


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


def new_trigger_id() -> str:
    """A trigger id shaped like Slack's."""
    first = 10_000_000_000 + secrets.randbelow(90_000_000_000)
    second = 100_000_000 + secrets.randbelow(900_000_000)
    return f"{first}.{second}.{secrets.token_hex(16)}"


def action_ts() -> str:
    """An action_ts / event_ts for now."""
    return f"{time.time():.6f}"


@dataclass(eq=False)
class SignedTransport:
    """Sends an app what Slack sends it, signed with the app's secret. With `socket_mode`,
    requests go to the app as envelopes over its Socket Mode connection instead of signed
    HTTP POSTs to `app_url`."""

    app_url: str
    signing_secret: str
    emulator: SlackWebApiEmulator
    team_id: str = TEAM_ID
    _: KW_ONLY
    timeout: float = 10.0
    socket_mode: SocketModeEndpoint | None = None

    def __post_init__(self) -> None:
        if urlsplit(self.app_url).scheme not in {"http", "https"}:
            raise ValueError("app_url must be an http(s) URL")
        self._verifier = SignatureVerifier(self.signing_secret)

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
        return self.post_signed(urlencode(dict(fields)), FORM)

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
        trigger_id = new_trigger_id()
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
            "token": VERIFICATION_TOKEN,
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "trigger_id": trigger_id,
            "is_enterprise_install": False,
            "enterprise": None,
        }
