"""Who the simulated workspace, its bot and the app are: ids every part of the simulator shares."""

from __future__ import annotations

TEAM_ID = "T0SPEAKUP"
TEAM_NAME = "Speakup Simulated"
TEAM_DOMAIN = "speakup-sim"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0SPEAKUP"
# Slack lets a trigger id be exchanged once, within about three seconds.
TRIGGER_TTL_SECONDS = 3.0
BOT_SCOPES = "commands,chat:write,im:write,im:history,users:read,usergroups:read"


def bot_message(channel: str, text: str, ts: str) -> dict[str, object]:
    """A message as Slack stores one the app's bot posted."""
    return {
        "type": "message",
        "channel": channel,
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": text,
        "ts": ts,
    }
