"""What people are told when a channel is not taking cards: what, since when, why, and the fix.

References stay in the logs; the message carries a count, the channel and Slack's error code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# What has to happen before the waiting cards can be delivered, by Slack's error code.
FIXES = {
    "channel_not_found": "the app can see <#{channel}> again (restore the channel, or invite "
    "the app back into it)",
    "is_archived": "<#{channel}> is unarchived",
    "not_in_channel": "the app is invited back into <#{channel}> (`/invite @Speak Up` there)",
    "invalid_auth": "the app's bot token is valid again (reinstall the app and update "
    "SLACK_BOT_TOKEN)",
    "token_revoked": "the app is reinstalled and SLACK_BOT_TOKEN is updated",
    "account_inactive": "the app is reinstalled and SLACK_BOT_TOKEN is updated",
}
SLOW = "Slack takes them again (delivery is retried by itself)"


def _since(moment: datetime, now: datetime, timezone: str) -> str:
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return f"{local:%H:%M}"
    return f"{local:%H:%M} on {local:%a %d %b}"


def alarm_text(payload: dict[str, Any], *, timezone: str, now: datetime) -> str:
    channel = str(payload["channel"])
    since = _since(datetime.fromisoformat(payload["since"]), now, timezone)
    if payload["state"] == "clear":
        return (
            f":white_check_mark: All clear: everything that was waiting to reach <#{channel}> "
            f"(since {since}) has been delivered."
        )
    count = int(payload["concerns"])
    error = payload.get("error") or "no answer yet"
    fix = FIXES.get(str(payload.get("error")), SLOW).format(channel=channel)
    if count == 0:  # Slack's news of the channel, before any card was held up
        return (
            f":rotating_light: Slack says <#{channel}> can no longer take cards ({error}), "
            f"since {since}. New concerns are kept safe and will be delivered once {fix}."
        )
    noun = "1 concern is" if count == 1 else f"{count} concerns are"
    still = "Still: " if payload["state"] == "still" else ""
    return (
        f":rotating_light: {still}{noun} waiting to reach <#{channel}> since {since} "
        f"({error}). Nothing is lost; they will be delivered once {fix}."
    )
