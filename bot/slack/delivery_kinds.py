"""Each outbox kind's delivery to Slack: what is posted, updated or uploaded, where.

Exactly once in effect: a retried post first looks for the message an earlier attempt left
(bot.slack.posted_lookup). A 429 tells the channel's pacing how long to wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.deadlines import deadlines
from bot.flows.context import AppContext
from bot.flows.effects import EffectKind
from bot.flows.timeline import reporter_message_content
from bot.slack import aftercare_delivery, escalation_delivery, leaders_digest
from bot.slack.cards import card_blocks, card_text
from bot.slack.channel_pacing import ChannelPacing, retry_after
from bot.slack.file_upload import upload_once
from bot.slack.posted_lookup import METADATA_EVENT, find_posted
from bot.slack.reporter_messages import reporter_message
from bot.slack.reports import render_file
from bot.slack.team_notices import deliver_alarm, deliver_digest
from storage.models import Concern, ConcernEvent
from storage.outbox import ClaimedItem


class Deferred(Exception):
    """The item must wait for another to land first (e.g. a thread reply for an unposted card)."""


@dataclass(frozen=True)
class Delivered:
    channel: str | None
    ts: str | None
    new_card: bool = False  # the first post of the item's concern's card


class KindDelivery:
    """Delivers one claimed item of any kind; the worker around it claims, retries, records."""

    def __init__(self, context: AppContext, client: WebClient, pacing: ChannelPacing) -> None:
        self.context = context
        self.client = client
        self.pacing = pacing

    def deliver(self, item: ClaimedItem) -> Delivered:
        """Make the item's effect in Slack; SlackApiError and friends go to the worker."""
        if item.kind == EffectKind.CARD:
            return self._deliver_card(item)
        if item.kind == EffectKind.REPORTER_DM:
            return self._deliver_reporter_dm(item)
        if item.kind == EffectKind.THREAD_NOTE:
            return self._deliver_thread_note(item)
        if item.kind == EffectKind.DIGEST:
            return Delivered(*deliver_digest(self.context, self.client, item, self.post_once))
        if item.kind == EffectKind.ALARM:
            return Delivered(
                *deliver_alarm(self.context, self.client, item, self.post_once, self.context.now)
            )
        if item.kind == EffectKind.LEADERS_DIGEST:
            return self._deliver_leaders_digest(item)
        if item.kind == EffectKind.CHANNEL_FILE:
            return self._deliver_channel_file(item)
        if item.kind in escalation_delivery.ESCALATION_KINDS:
            return self._deliver_escalation(item)
        if item.kind in aftercare_delivery.AFTERCARE_KINDS:
            return Delivered(
                *aftercare_delivery.deliver(self.context, self.client, item, self._post)
            )
        raise ValueError(f"unknown outbox kind {item.kind}")

    def _load_concern(self, concern_id: str | None) -> Concern:
        with self.context.db.transaction() as session:
            concern = session.get(Concern, concern_id) if concern_id else None
            if concern is None:
                raise ValueError("outbox item names no concern")
            session.expunge(concern)
            return concern

    def _deliver_card(self, item: ClaimedItem) -> Delivered:
        concern = self._load_concern(item.concern_id)
        now = self.context.now()
        team = list(self.context.policy.safeguarding_team)
        blocks = card_blocks(
            concern,
            deadlines(concern, self.context.policy.timescales, now),
            team,
            learning=bool(self.context.policy.aftercare.learning_channel),
        )
        text = card_text(concern, team=team)
        if concern.card_ts is None:
            ts = self.post_once(item, channel=concern.channel, text=text, blocks=blocks)
            # Recorded with the delivery, in one transaction (see _deliver_one).
            return Delivered(concern.channel, ts, new_card=True)
        self.client.chat_update(
            channel=concern.channel, ts=concern.card_ts, text=text, blocks=blocks
        )
        return Delivered(concern.channel, concern.card_ts)

    def _deliver_thread_note(self, item: ClaimedItem) -> Delivered:
        concern = self._load_concern(item.concern_id)
        if concern.card_ts is None:
            raise Deferred("card not posted yet")
        text = str(item.payload.get("text", ""))
        ts = self.post_once(item, channel=concern.channel, text=text, thread_ts=concern.card_ts)
        return Delivered(concern.channel, ts)

    def _deliver_leaders_digest(self, item: ClaimedItem) -> Delivered:
        channel = str(item.payload["channel"])
        digest = item.payload["digest"]
        ts = self.post_once(
            item,
            channel=channel,
            text=leaders_digest.title(digest),
            blocks=leaders_digest.digest_blocks(digest),
        )
        return Delivered(channel, ts)

    def _deliver_channel_file(self, item: ClaimedItem) -> Delivered:
        channel = str(item.payload["channel"])
        upload_once(
            self.client,
            channel=channel,
            filename=str(item.payload["filename"]),
            title=str(item.payload["title"]),
            content=render_file(item.payload),
            retried=item.attempts > 1,
            since=item.created_at,
        )
        return Delivered(channel, None)

    def _deliver_escalation(self, item: ClaimedItem) -> Delivered:
        concern = self._load_concern(item.concern_id)

        def post(channel: str, text: str, thread_ts: str | None) -> str:
            return self.post_once(item, channel=channel, text=text, thread_ts=thread_ts)

        posted = escalation_delivery.deliver(
            item, concern, self.context.policy, self.client, post, self.context.now()
        )
        if posted is None:
            raise Deferred("card not posted yet")
        return Delivered(posted.channel, posted.ts)

    def _post(self, item: ClaimedItem, channel: str, text: str, thread_ts: str | None) -> str:
        return self.post_once(item, channel=channel, text=text, thread_ts=thread_ts)

    def _deliver_reporter_dm(self, item: ClaimedItem) -> Delivered:
        vault = self.context.vault
        with self.context.db.transaction() as session:
            concern = session.get_one(Concern, item.concern_id)
            event = session.query(ConcernEvent).filter_by(uid=item.payload["event_uid"]).one()
            # The reporter's id is unsealed only here, at send time, and never stored or logged;
            # an event whose sealed facts were changed is refused (IntegrityCheckFailed).
            user_id, body = reporter_message_content(vault, concern, event)
            message = reporter_message(concern, event, body)
        opened = self.client.conversations_open(users=user_id)
        channel = str(opened["channel"]["id"])
        ts = self.post_once(item, channel=channel, text=message.text, blocks=message.blocks)
        # The DM channel id identifies the reporter as well as their user id does: not recorded.
        return Delivered(None, ts)

    def post_once(
        self,
        item: ClaimedItem,
        *,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        if item.attempts > 1:
            found = find_posted(self.client, item, channel, thread_ts)
            if found is not None:
                return found
        try:
            response = self.client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                metadata={
                    "event_type": METADATA_EVENT,
                    "event_payload": {"key": item.idempotency_key},
                },
            )
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                self.pacing.wait(channel, retry_after(exc))
            raise
        return str(response["ts"])
