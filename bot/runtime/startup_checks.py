"""Before serving: does Slack take the bot token, and can the app post in every channel it
is configured to use? Is there somebody on each team?

A definite refusal is a setting to fix: `serve` stops with one line naming the setting and
the fix. Slack being unreachable is an outage, not a setting: `serve` starts anyway (concerns
are taken and kept), logs it, and checks again in the background until Slack answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.runtime.logs import get_logger
from bot.runtime.required_settings import channel_settings
from bot.runtime.settings import Settings, SettingsError
from bot.slack.token_state import SlackToken

log = get_logger(__name__)

RECHECK_FIRST = 5.0
RECHECK_MAX = 300.0


class SlackUnreachable(Exception):
    """Slack did not answer (network, 5xx, rate limit): try again later."""


class TokenRefused(SettingsError):
    """Slack refuses the bot token; `error` is Slack's word for why."""

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.error = error


def _ask(call: Callable[[], Any]) -> Any:
    """Slack's answer, or SlackApiError for a refusal, or SlackUnreachable for no answer."""
    try:
        return call()
    except SlackApiError as exc:
        status = exc.response.status_code
        if status == 429 or status >= 500:
            raise SlackUnreachable(f"http_{status}") from None
        raise
    except (SlackClientError, OSError) as exc:
        raise SlackUnreachable(type(exc).__name__) from None


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or f"http_{exc.response.status_code}")


def _scope_missing(exc: SlackApiError) -> SettingsError:
    needed = exc.response.get("needed") or "a scope listed in manifest.yml"
    return SettingsError(
        f"SLACK_BOT_TOKEN lacks the {needed} scope: add the scopes in manifest.yml to the app "
        "and reinstall it"
    )


def check_token(client: WebClient) -> None:
    try:
        _ask(client.auth_test)
    except SlackApiError as exc:
        raise TokenRefused(
            f"SLACK_BOT_TOKEN was refused by Slack ({_error(exc)}): copy the Bot User OAuth "
            "Token (xoxb-…) from your Slack app's OAuth & Permissions page (reinstall the app "
            "if it was removed)",
            _error(exc),
        ) from None


def check_channel(client: WebClient, setting: str, channel: str) -> None:
    """The channel exists, is not archived, and the app is in it."""
    try:
        info = _ask(partial(client.conversations_info, channel=channel))["channel"]
    except SlackApiError as exc:
        error = _error(exc)
        if error == "missing_scope":
            raise _scope_missing(exc) from None
        if error == "channel_not_found":
            raise SettingsError(
                f"{setting}: Slack has no channel {channel} that the app can see: check the id "
                "(C…, from the channel's details) and invite the app to it (`/invite @Speak Up`)"
            ) from None
        raise SettingsError(f"{setting}: Slack refused to describe {channel} ({error})") from None
    if info.get("is_archived"):
        raise SettingsError(
            f"{setting}: channel {channel} is archived: unarchive it, or set {setting} to "
            "another channel"
        )
    if info.get("is_member") is False:
        raise SettingsError(
            f"{setting}: the app is not a member of {channel}: invite it there with "
            "`/invite @Speak Up`"
        )


def check_team(client: WebClient, setting: str, entries: list[str]) -> None:
    """Somebody is on the team: user ids, or user groups with members."""
    if any(not entry.startswith("S") for entry in entries):
        return
    for group in entries:
        try:
            members = _ask(partial(client.usergroups_users_list, usergroup=group))["users"]
        except SlackApiError as exc:
            if _error(exc) == "missing_scope":
                raise _scope_missing(exc) from None
            raise SettingsError(
                f"{setting}: Slack knows no user group {group} ({_error(exc)}): check the id (S…)"
            ) from None
        if members:
            return
    raise SettingsError(
        f"{setting} names only empty user groups: add people to them, or list user ids (U…)"
    )


def check_slack(settings: Settings, client: WebClient) -> None:
    """Every check; SettingsError for the first refusal, SlackUnreachable if Slack is down."""
    check_token(client)
    for setting, channel in channel_settings(settings):
        check_channel(client, setting, channel)
    check_team(client, "SPEAKUP_GUARDIANS", settings.speakup_guardians)
    if settings.safeguarding_on:
        check_team(client, "SPEAKUP_SAFEGUARDING_TEAM", settings.speakup_safeguarding_team)


def check_at_start(settings: Settings, client: WebClient) -> bool:
    """Raise SettingsError for a refusal; False (logged) when Slack could not be asked."""
    try:
        check_slack(settings, client)
    except SlackUnreachable as exc:
        log.warning("serve.slack_unreachable_at_start", error=str(exc))
        return False
    log.info("serve.slack_checked")
    return True


def recheck_in_background(
    settings: Settings, client: WebClient, token: SlackToken, stopping: threading.Event
) -> threading.Thread:
    """Keep trying the checks until Slack answers. A refusal found now cannot stop a service
    already taking concerns: it is logged as an error, and a refused token makes /readyz
    answer 503."""

    def run() -> None:
        delay = RECHECK_FIRST
        while not stopping.wait(delay):
            try:
                check_slack(settings, client)
            except SlackUnreachable as exc:
                log.warning("serve.slack_unreachable", error=str(exc), retry_in=delay)
                delay = min(delay * 2, RECHECK_MAX)
                continue
            except SettingsError as exc:
                log.error("serve.slack_settings_refused", problem=str(exc))
                if isinstance(exc, TokenRefused):
                    token.refused(exc.error)
                return
            log.info("serve.slack_checked")
            return

    thread = threading.Thread(target=run, name="slack-start-up-checks", daemon=True)
    thread.start()
    return thread
