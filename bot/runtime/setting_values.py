"""What one setting's text may be: Slack ids, times of day, retention rules, ports. Each
parser says in plain words what is wrong, for the one-line error an operator reads."""

from __future__ import annotations

import re
from datetime import time

from bot.domain.taxonomy import OUTCOMES, ConcernKind

# Slack ids as Slack shows them: channels C… (G… for older private ones); members U… (W… on
# Enterprise Grid) and user groups S…. A name such as "#ftsu-guardians" is the commonest slip.
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
MEMBER_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")
FIND_CHANNEL_ID = (
    "in Slack open the channel, click its name for the channel details and copy the "
    "Channel ID shown at the bottom (C…)"
)
FIND_MEMBER_ID = (
    "use member ids (U… or W…: open the person's profile, ⋮ More, Copy member ID) or "
    "user-group ids (S…), comma-separated"
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def clock_time(value: str) -> time:
    """ "09:00" -> 09:00, or ValueError in plain words."""
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{value!r} is not a time of day such as 09:00") from None


def weekly_time(value: str) -> tuple[int, time]:
    """ "monday 09:00" -> (0, 09:00), or ValueError in plain words."""
    parts = value.strip().lower().split()
    if len(parts) != 2 or parts[0] not in WEEKDAYS:
        raise ValueError(f"{value!r} is not a weekday and time such as 'monday 09:00'")
    return WEEKDAYS.index(parts[0]), clock_time(parts[1])


def retention_override(rule: str) -> tuple[str, str, int]:
    """ "speak_up:withdrawn=6" -> ("speak_up", "withdrawn", 6), or ValueError in plain words."""
    target, sep, years_text = rule.partition("=")
    kind, colon, outcome = target.strip().partition(":")
    kinds = [kind.value for kind in ConcernKind]
    shape = f"{rule!r} is not kind:outcome=years such as speak_up:withdrawn=6"
    if not sep or not colon:
        raise ValueError(shape)
    if kind.strip() not in kinds:
        raise ValueError(f"{rule!r}: the kind must be one of {', '.join(kinds)}")
    if outcome.strip() not in OUTCOMES:
        raise ValueError(f"{rule!r}: the outcome must be one of {', '.join(OUTCOMES)}")
    try:
        years = int(years_text.strip())
    except ValueError:
        raise ValueError(shape) from None
    if not 1 <= years <= 150:
        raise ValueError(f"{rule!r}: years must be 1 to 150")
    return kind.strip(), outcome.strip(), years


def parse_port(raw: str) -> int:
    """A TCP port number, 1 to 65535, or ValueError saying what is wrong."""
    try:
        port = int(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a port number (1 to 65535)") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"{port} is not a port number (1 to 65535)")
    return port
