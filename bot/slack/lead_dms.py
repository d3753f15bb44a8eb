"""Direct messages to each of a list of people and user groups (leads, owners): a group is
asked of Slack for its members now, and a person Slack will not deliver to is skipped (logged
by type) so the others are still told. Rate limits and Slack's own failures are raised, so
the whole item is tried again later; people already told are then found, not told twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = structlog.stdlib.get_logger(__name__)

# Slack errors meaning this person cannot be sent a DM now, whatever we retry.
UNREACHABLE_LEAD = frozenset(
    {"user_not_found", "account_inactive", "cannot_dm_bot", "user_disabled", "user_not_visible"}
)


def error_of(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or f"http_{exc.response.status_code}")


def worth_retrying(exc: SlackApiError) -> bool:
    """Slack rate-limited us or failed itself: try the whole rung again later."""
    status = int(exc.response.status_code)
    return status == 429 or status >= 500


def people_of(client: WebClient, configured: list[str], *, unreadable: str) -> list[str]:
    """Each person named, and each member of each user group named, once, in order."""
    people: list[str] = []
    for entry in configured:
        try:
            members = group_members(client, entry) if entry.startswith("S") else [entry]
        except SlackApiError as exc:
            if worth_retrying(exc):
                raise
            log.warning(unreadable, group=entry, error=error_of(exc))
            continue
        people += [person for person in members if person not in people]
    return people


def dm_each(
    client: WebClient,
    people: list[str],
    post: Callable[[str], str],
    *,
    reference: str,
    unreachable: str,
) -> str | None:
    """Post to each person's DM (`post(dm_channel) -> ts`); the last ts, None if nobody."""
    last_ts: str | None = None
    for person in people:
        try:
            opened: Any = client.conversations_open(users=person)
            last_ts = post(str(opened["channel"]["id"]))
        except SlackApiError as exc:
            if worth_retrying(exc) or error_of(exc) not in UNREACHABLE_LEAD:
                raise
            log.warning(unreachable, reference=reference, error=error_of(exc))
    return last_ts


def group_members(client: WebClient, group: str) -> list[str]:
    """A user group's members, asked of Slack now (teams change)."""
    answer: Any = client.usergroups_users_list(usergroup=group)
    return [str(user) for user in answer.get("users") or []]
