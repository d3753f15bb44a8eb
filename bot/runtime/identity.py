"""Who the bot is in Slack, learned with auth.test off the request path.

Bolt's single-workspace authorisation calls auth.test on the first request and keeps the
answer only once it succeeds, so while the Web API is unreachable every request would fail
(or wait for a timeout). Instead the bot's identity is learned once at start-up, and again in
the background until Slack answers; requests are authorised from what is known at that moment
and never wait for Slack. Until it is known, requests still carry the bot token, so every
listener works; only Bolt's skipping of the bot's own events lacks the bot's ids, and the
listeners that could hear the bot (DMs) check for bot messages themselves.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime.logs import get_logger

log = get_logger(__name__)

# Slack's answers that mean the token itself is wrong, not that Slack is unwell.
REFUSED_TOKEN = frozenset(
    {"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "account_inactive"}
)
FIRST_RETRY_SECONDS = 1.0
RETRY_CAP_SECONDS = 60.0


@dataclass(frozen=True)
class Known:
    team_id: str | None
    enterprise_id: str | None
    bot_user_id: str | None
    bot_id: str | None
    scopes: tuple[str, ...]


class BotIdentity:
    """The bot's ids from auth.test, and whether Slack refuses the token."""

    def __init__(self, client: WebClient, token: str | None) -> None:
        self._client = client
        self._token = token
        self._lock = threading.Lock()
        self._known: Known | None = None
        self._refused: str | None = None
        self._thread: threading.Thread | None = None

    @property
    def known(self) -> Known | None:
        with self._lock:
            return self._known

    @property
    def refused(self) -> str | None:
        """Slack's error code if it refused the bot token at the last check, else None."""
        with self._lock:
            return self._refused

    def authorize(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        """For Bolt's `authorize`: answers at once from what is known, never calling Slack."""
        known = self.known
        return AuthorizeResult(
            enterprise_id=enterprise_id or (known.enterprise_id if known else None),
            team_id=team_id or (known.team_id if known else None),
            bot_user_id=known.bot_user_id if known else None,
            bot_id=known.bot_id if known else None,
            bot_token=self._token,
            bot_scopes=list(known.scopes) if known else None,
        )

    def check(self) -> bool:
        """One auth.test; True once Slack has said who the bot is."""
        try:
            response = self._client.auth_test()
        except SlackApiError as exc:
            error = str(exc.response.get("error") or f"http_{exc.response.status_code}")
            with self._lock:
                self._refused = error if error in REFUSED_TOKEN else None
            log.warning("slack.auth_test_failed", error=error, token_refused=error in REFUSED_TOKEN)
            return False
        except Exception as exc:  # unreachable, timed out, TLS: Slack is not answering
            log.warning("slack.auth_test_failed", error=type(exc).__name__)
            return False
        scopes = str(response.headers.get("x-oauth-scopes") or "")
        known = Known(
            team_id=response.get("team_id"),
            enterprise_id=response.get("enterprise_id"),
            bot_user_id=response.get("user_id"),
            bot_id=response.get("bot_id"),
            scopes=tuple(scope.strip() for scope in scopes.split(",") if scope.strip()),
        )
        with self._lock:
            self._known = known
            self._refused = None
        log.info("slack.identity_known", team_id=known.team_id, bot_user_id=known.bot_user_id)
        return True

    def start(
        self,
        stopping: threading.Event,
        *,
        first_retry: float = FIRST_RETRY_SECONDS,
        cap: float = RETRY_CAP_SECONDS,
    ) -> None:
        """Check once now (bounded by the client's timeout), then keep trying in the
        background until Slack answers or `stopping` is set. The background thread also
        rechecks a refused token, so readiness recovers once the token is fixed in Slack."""
        if self.check():
            return

        def retry() -> None:
            delay = first_retry
            while not stopping.wait(delay):
                if self.check():
                    return
                delay = min(delay * 2, cap)

        self._thread = threading.Thread(target=retry, name="slack-identity", daemon=True)
        self._thread.start()
