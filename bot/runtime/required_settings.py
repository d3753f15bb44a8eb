"""What serving needs from the settings, checked before anything starts: Slack's tokens and
the teams' channels and people, each missing one named with how to fix it."""

from __future__ import annotations

from bot.runtime.settings import Settings, SettingsError


def require_slack(settings: Settings, *, socket_mode: bool) -> None:
    """Check what a running bot needs from Slack, naming the first missing setting."""
    if not settings.slack_bot_token:
        raise SettingsError(
            "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from "
            "your Slack app's OAuth & Permissions page"
        )
    if socket_mode and not (settings.slack_app_token or "").startswith("xapp-"):
        raise SettingsError(
            "SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write"
        )
    if not socket_mode and not settings.slack_signing_secret:
        raise SettingsError(
            "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack "
            "app's Basic Information page"
        )
    if not settings.speakup_guardian_channel:
        raise SettingsError(
            "SPEAKUP_GUARDIAN_CHANNEL is not set: give the id (C…) of the guardians' "
            "private channel and invite the app to it"
        )


def require_teams(settings: Settings) -> None:
    """Check that someone receives each kind of concern the service takes."""
    if settings.safeguarding_on and not settings.speakup_safeguarding_channel:
        raise SettingsError(
            "SPEAKUP_SAFEGUARDING_CHANNEL is not set: give the id (C…) of the safeguarding "
            "team's private channel and invite the app to it, or set SPEAKUP_SAFEGUARDING=off "
            "if the trust takes safeguarding concerns elsewhere"
        )
    if not settings.speakup_guardians:
        raise SettingsError(
            "SPEAKUP_GUARDIANS is empty: list the guardians' Slack user ids (U…) or a user "
            "group id (S…), comma-separated"
        )
    if settings.safeguarding_on and not settings.speakup_safeguarding_team:
        raise SettingsError(
            "SPEAKUP_SAFEGUARDING_TEAM is empty: list the safeguarding team's Slack user ids "
            "(U…) or a user group id (S…), comma-separated, or set SPEAKUP_SAFEGUARDING=off"
        )


def channel_settings(settings: Settings) -> list[tuple[str, str]]:
    """Every configured channel the app posts to, with the setting that names it."""
    named = [
        ("SPEAKUP_GUARDIAN_CHANNEL", settings.speakup_guardian_channel),
        ("SPEAKUP_SAFEGUARDING_CHANNEL", settings.speakup_safeguarding_channel),
        ("SPEAKUP_LEADERS_CHANNEL", settings.speakup_leaders_channel),
        ("SPEAKUP_OPS_CHANNEL", settings.speakup_ops_channel),
        ("SPEAKUP_LEARNING_CHANNEL", settings.speakup_learning_channel),
    ]
    if not settings.safeguarding_on:
        named = [pair for pair in named if pair[0] != "SPEAKUP_SAFEGUARDING_CHANNEL"]
    named += [
        ("SPEAKUP_ROUTES", rule.partition("=")[2].strip()) for rule in settings.speakup_routes
    ]
    found: list[tuple[str, str]] = []
    for name, channel in named:
        if channel and channel not in {known for _, known in found}:
            found.append((name, channel))
    return found
