"""Tokens: auth.test, apps.connections.open for Socket Mode, and a token Slack has stopped
accepting (revoked, deactivated or plain wrong), which fails every method alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from bot.demo.simulator.api_core import EmulatorCore, web_api_method
from bot.demo.simulator.api_params import ApiError, JsonDict
from bot.demo.simulator.identity import (
    BOT_ID,
    BOT_SCOPES,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
)

TokenRefusal = Literal["invalid_auth", "token_revoked", "account_inactive"]
_TOKEN_REFUSALS = ("invalid_auth", "token_revoked", "account_inactive")
SOCKET_MODE_METHOD = "apps.connections.open"


class AuthApi(EmulatorCore):
    def _configure(self) -> None:
        super()._configure()
        self._socket_mode_url: Callable[[], str] | None = None
        self._socket_mode_token: str | None = None

    def _clear_state(self) -> None:
        super()._clear_state()
        self._token_refusal: str | None = None

    # -- set-up ------------------------------------------------------------------------------

    def enable_socket_mode(self, url: Callable[[], str], *, token: str | None = None) -> None:
        """Let `apps.connections.open` (with an app-level token, or only `token`) hand out
        `url()`."""
        self._socket_mode_url = url
        self._socket_mode_token = token

    def refuse_token(self, error: TokenRefusal = "invalid_auth") -> None:
        """From now on every method, auth.test included, answers `ok: false` with `error`
        (invalid_auth: wrong token; token_revoked: app uninstalled; account_inactive: the
        workspace or bot user deactivated), until accept_token() or reset()."""
        if error not in _TOKEN_REFUSALS:
            raise ValueError(f"error must be one of {', '.join(_TOKEN_REFUSALS)}")
        with self._lock:
            self._token_refusal = error

    def accept_token(self) -> None:
        """Accept the app's tokens again."""
        with self._lock:
            self._token_refusal = None

    # -- answering ---------------------------------------------------------------------------

    def _authenticate(self, method: str, token: str | None) -> None:
        """Refuse the call as Slack would before the method itself runs."""
        if token is None:
            raise ApiError("not_authed")
        if self._token_refusal is not None:
            raise ApiError(self._token_refusal)
        if method == SOCKET_MODE_METHOD:
            self._check_app_token(token)

    def _check_app_token(self, token: str) -> None:
        if self._socket_mode_url is None:
            raise ApiError("not_allowed")
        if not token.startswith("xapp-"):
            raise ApiError("not_allowed_token_type")
        if self._socket_mode_token is not None and token != self._socket_mode_token:
            raise ApiError("invalid_auth")

    @web_api_method(SOCKET_MODE_METHOD)
    def _apps_connections_open(self, params: JsonDict) -> JsonDict:
        assert self._socket_mode_url is not None  # checked by _check_app_token
        return {"url": self._socket_mode_url()}

    @web_api_method("auth.test")
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

    @staticmethod
    def _answer_headers(method: str) -> tuple[tuple[str, str], ...]:
        # Bolt reads the granted scopes from this header.
        return (("X-OAuth-Scopes", BOT_SCOPES),) if method == "auth.test" else ()
