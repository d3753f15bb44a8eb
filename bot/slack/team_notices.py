"""Delivering the digests and the delivery alarms (outbox kinds DIGEST and ALARM).

Called by the outbox worker (bot.slack.delivery) with its `post` function, which puts the
item's key in the message metadata and, on a retry, adopts a message an earlier attempt
posted: a digest or an alarm reaches each place once, however often delivery is retried.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.flows.context import AppContext
from bot.flows.digests import Digest
from bot.slack.alarm_messages import alarm_text
from bot.slack.digest_views import Link, digest_blocks, digest_text
from storage.models import Concern
from storage.outbox import ClaimedItem

log = structlog.stdlib.get_logger(__name__)

# A member Slack will not let us message: the alarm still reaches everyone else.
UNREACHABLE_MEMBER = frozenset(
    {"user_not_found", "user_not_visible", "cannot_dm_bot", "user_disabled"}
)


class Post(Protocol):
    """Posts an outbox item once, however often it is retried; returns the message's ts.
    Notices to the teams stand alone, never in a card's thread."""

    def __call__(
        self,
        item: ClaimedItem,
        *,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
    ) -> str: ...


def card_links(context: AppContext, client: WebClient, concern_ids: list[str]) -> Link:
    """Links to the concerns' cards, asked of Slack now (only for the rows shown)."""
    with context.db.transaction() as session:
        where = {
            str(row.id): (row.channel, row.card_ts)
            for row in session.execute(
                select(Concern.id, Concern.channel, Concern.card_ts).where(
                    Concern.id.in_(concern_ids)
                )
            )
        }
    found: dict[str, str | None] = {}

    def link(concern_id: str) -> str | None:
        if concern_id in found:
            return found[concern_id]
        channel, ts = where.get(concern_id, (None, None))
        url = None
        if channel and ts:
            try:
                url = str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
            except SlackApiError as exc:  # the reference still shows, unlinked
                log.warning("digest.no_permalink", error=exc.response.get("error"))
        found[concern_id] = url
        return url

    return link


def no_links(_: str) -> str | None:
    """For previews that must not call Slack (`speakup jobs run --dry-run`)."""
    return None


def render_digest(
    context: AppContext, payload: dict[str, Any], link: Link
) -> tuple[str, list[dict[str, Any]]]:
    digest = Digest.from_payload(payload)
    blocks = digest_blocks(
        digest, link=link, timezone=context.policy.timezone, rules=context.policy.digests
    )
    return digest_text(digest), blocks


def deliver_digest(
    context: AppContext, client: WebClient, item: ClaimedItem, post: Post
) -> tuple[str, str]:
    ids = [row["concern_id"] for part in item.payload["sections"] for row in part["rows"]]
    text, blocks = render_digest(context, item.payload, card_links(context, client, ids))
    channel = str(item.payload["channel"])
    return channel, post(item, channel=channel, text=text, blocks=blocks)


def deliver_alarm(
    context: AppContext,
    client: WebClient,
    item: ClaimedItem,
    post: Post,
    now: Callable[[], Any],
) -> tuple[str | None, str | None]:
    """A channel gets a post; a person a DM; a user group's members a DM each."""
    text = alarm_text(item.payload, timezone=context.policy.timezone, now=now())
    to = str(item.payload["to"])
    if to[:1] in ("C", "G"):
        return to, post(item, channel=to, text=text)
    if to.startswith("S"):
        direct = set(item.payload.get("direct") or [])
        members = [
            str(user)
            for user in client.usergroups_users_list(usergroup=to)["users"]
            if user not in direct
        ]
    else:
        members = [to]
    last = None
    for user in members:
        try:
            opened = client.conversations_open(users=user)
        except SlackApiError as exc:
            if exc.response.get("error") not in UNREACHABLE_MEMBER:
                raise
            log.warning("alarm.member_unreachable", error=exc.response.get("error"))
            continue
        last = post(item, channel=str(opened["channel"]["id"]), text=text)
    return None, last
