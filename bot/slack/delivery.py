"""The outbox worker: delivers queued Slack side effects, retrying until Slack takes them.

Exactly once in effect: after an attempt whose outcome we never saw (a crash, a timeout, a
5xx) the worker adopts the message it already posted (bot.slack.posted_lookup) instead of
posting a second one. A channel over Slack's rate waits alone (bot.slack.channel_pacing).
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import String, bindparam, update

from bot.domain.deadlines import deadlines
from bot.flows.context import AppContext
from bot.flows.conversation import reporter_unreachable
from bot.flows.delivery_health import REFUSED_TOKEN
from bot.flows.effects import CHANNEL_KINDS, EffectKind
from bot.flows.timeline import reporter_message_content
from bot.slack import aftercare_delivery, escalation_delivery, leaders_digest
from bot.slack.answering import QUIET, Answering
from bot.slack.cards import card_blocks, card_text
from bot.slack.channel_pacing import ChannelPacing, retry_after
from bot.slack.file_upload import upload_once
from bot.slack.posted_lookup import METADATA_EVENT, find_posted
from bot.slack.reporter_messages import reporter_message
from bot.slack.reports import render_file
from bot.slack.team_notices import deliver_alarm, deliver_digest
from bot.slack.token_state import SlackToken
from storage import outbox
from storage.models import Concern, ConcernEvent
from storage.outbox import ClaimedItem
from storage.rows import table_of

log = structlog.stdlib.get_logger(__name__)

# Long enough for a Slack call (10 s timeout) and the history check; short enough that work a
# killed process held is picked up soon after a restart or by another replica.
LEASE = timedelta(seconds=90)
# Slack errors meaning the reporter's DM cannot be delivered now, whatever we retry.
UNREACHABLE_REPORTER = frozenset(
    {"user_not_found", "account_inactive", "cannot_dm_bot", "user_disabled", "channel_not_found"}
)
UNREACHABLE_AFTER = 3
# Each step of a delivery (claim, Slack call, record) waits for a quiet moment in the answers
# Slack is waiting on (see bot.slack.answering.QUIET). Under sustained load a step still goes every
# STEP_ASIDE, so deliveries keep moving (an item a second at the least), and everything
# queued goes out as soon as the load eases.
STEP_ASIDE = 0.25
# Kinds posted into the concern's team channel: while Slack has that channel's posts waiting
# (HTTP 429, Retry-After), they are left in the outbox and everything else goes on.
PACED_KINDS = frozenset(
    {*CHANNEL_KINDS, EffectKind.ESCALATION_REMINDER, EffectKind.ESCALATION_OVERDUE}
)


_CONCERN = table_of(Concern)
_RECORD_CARD = (
    update(_CONCERN)
    .where(_CONCERN.c.id == bindparam("concern_id"))
    .values(card_ts=bindparam("ts", type_=String))
)


class Deferred(Exception):
    """The item must wait for another to land first (e.g. a thread reply for an unposted card)."""


@dataclass(frozen=True)
class Delivered:
    channel: str | None
    ts: str | None
    new_card: bool = False  # the first post of the item's concern's card


class OutboxWorker:
    """Drains the outbox; one per process, safe to run in several replicas at once."""

    def __init__(
        self,
        context: AppContext,
        client: WebClient,
        answering: Answering | None = None,
        token: SlackToken | None = None,
    ) -> None:
        self.context = context
        self.client = client
        # Slack's last word on the bot token, for /readyz (bot.slack.token_state).
        self.token = token or SlackToken()
        # Requests Slack is waiting on: each delivery step waits for a lull in them.
        self.answering = answering or Answering()
        # The process id lets an operator (or a test) tell which process holds a lease.
        self.owner = f"worker-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Channels Slack asked to wait (429): each by its own Retry-After, the rest go on.
        self.pacing = ChannelPacing()

    # --- running --------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.context.wake_outbox()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        wakeup = self.context.outbox_wakeup
        while not self._stop.is_set():
            wakeup.clear()
            try:
                self.run_once()
            except Exception:  # the worker must outlive any one bad item or outage
                log.exception("outbox.cycle_failed")
            wakeup.wait(self.pacing.next_wait(self.context.policy.delivery.poll_seconds))

    def run_once(self, limit: int = 20) -> int:
        """Deliver what is due now; returns how many items were delivered."""
        delivered = 0
        while not self._stop.is_set():
            with self.context.db.transaction() as session:
                due = outbox.due_items(
                    session,
                    now=self.context.now(),
                    limit=limit,
                    paced_channels=self.pacing.waiting(),
                    paced_kinds=PACED_KINDS,
                )
            if not due:
                return delivered
            progressed = False
            for item in due:
                if self._stop.is_set():
                    break
                if item.kind in PACED_KINDS and self.pacing.is_waiting(item.channel):
                    continue  # Slack asked this channel to wait since the batch was read
                if self._deliver_one(item.id):
                    delivered += 1
                    progressed = True
            if not progressed:
                return delivered
        return delivered

    def _deliver_one(self, item_id: int) -> bool:
        answering = self.answering
        answering.step_aside(STEP_ASIDE, QUIET)
        with self.context.db.transaction() as session:
            item = outbox.claim(
                session, item_id, owner=self.owner, now=self.context.now(), lease=LEASE
            )
        if item is None:
            return False
        bound = log.bind(outbox_id=item.id, kind=item.kind, attempt=item.attempts)
        try:
            answering.step_aside(STEP_ASIDE, QUIET)
            result = self._deliver(item)
        except Deferred as exc:
            with self.context.db.transaction() as session:
                outbox.defer(
                    session,
                    item.id,
                    owner=self.owner,
                    now=self.context.now(),
                    seconds=1.0,
                    reason=str(exc),
                )
            return False
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error") or f"http_{status}")
            if status == 429:
                # Not a failure: Slack took nothing and says when to come back. The attempt is
                # not counted, so no backoff builds up and no history check follows.
                delay = retry_after(exc)
                bound.info("outbox.rate_limited", retry_in=delay)
                self.context.telemetry.delivery(item.kind, "rate_limited")
                self._failed(item, f"{status} {error}", delay, count_attempt=False)
                return False
            delay = self._backoff(item.attempts)
            bound.warning("outbox.slack_error", status=status, error=error, retry_in=delay)
            self.context.telemetry.delivery(item.kind, "retry")
            if error in REFUSED_TOKEN:
                self.token.refused(error)
            self._failed(item, f"{status} {error}", delay)
            if (
                item.kind == EffectKind.REPORTER_DM
                and error in UNREACHABLE_REPORTER
                and item.attempts >= UNREACHABLE_AFTER
            ):
                self._tell_team_reporter_unreachable(item)
            return False
        except (SlackClientError, OSError) as exc:
            delay = self._backoff(item.attempts)
            bound.warning("outbox.unreachable", error=type(exc).__name__, retry_in=delay)
            self.context.telemetry.delivery(item.kind, "retry")
            self._failed(item, type(exc).__name__, delay)
            return False
        except Exception as exc:
            # Our own fault (a missing key, a bug): keep the item, retry with backoff, and say
            # so loudly. Only the exception's type is logged: its text could carry content.
            delay = self._backoff(item.attempts)
            bound.error("outbox.failed", error=type(exc).__name__, retry_in=delay)
            self.context.telemetry.delivery(item.kind, "failed")
            self._failed(item, type(exc).__name__, delay)
            return False
        self.token.accepted()
        answering.step_aside(STEP_ASIDE, QUIET)
        with self.context.db.transaction() as session:
            settled = outbox.mark_delivered(
                session,
                item.id,
                owner=self.owner,
                now=self.context.now(),
                channel=result.channel,
                ts=result.ts,
            )
            if settled and result.new_card:
                # A plain UPDATE: recording where the card is is not a change of the concern,
                # so it must not bump the version a guardian's action is checked against.
                session.connection().execute(
                    _RECORD_CARD, {"concern_id": item.concern_id, "ts": result.ts}
                )
        if not settled:
            # Our lease ran out mid-delivery and another worker took the item: it will find
            # this message by its key before posting, so nothing is sent twice.
            bound.warning("outbox.lease_lost")
            return False
        bound.info("outbox.delivered")
        self.context.telemetry.delivery(item.kind, "delivered")
        return True

    def _backoff(self, attempts: int) -> float:
        tuning = self.context.policy.delivery
        return outbox.backoff(attempts, base=tuning.backoff_seconds, cap=tuning.backoff_cap)

    def _tell_team_reporter_unreachable(self, item: ClaimedItem) -> None:
        """Slack says the reporter cannot be messaged (left, deactivated): the update stays
        queued in case they return, and the team is told once, so silence is never mistaken
        for the reporter ignoring them."""
        with self.context.db.transaction() as session:
            concern = session.get(Concern, item.concern_id) if item.concern_id else None
            if concern is None:
                return
            reporter_unreachable(session, self.context.vault, concern, now=self.context.now())
        self.context.wake_outbox()

    def _failed(
        self, item: ClaimedItem, error: str, delay: float, *, count_attempt: bool = True
    ) -> None:
        with self.context.db.transaction() as session:
            outbox.mark_failed(
                session,
                item.id,
                owner=self.owner,
                now=self.context.now(),
                error=error,
                retry_in=delay,
                count_attempt=count_attempt,
            )

    # --- delivering each kind -------------------------------------------------------------

    def _deliver(self, item: ClaimedItem) -> Delivered:
        if item.kind == EffectKind.CARD:
            return self._deliver_card(item)
        if item.kind == EffectKind.REPORTER_DM:
            return self._deliver_reporter_dm(item)
        if item.kind == EffectKind.THREAD_NOTE:
            return self._deliver_thread_note(item)
        if item.kind == EffectKind.DIGEST:
            return Delivered(*deliver_digest(self.context, self.client, item, self._post_once))
        if item.kind == EffectKind.ALARM:
            return Delivered(
                *deliver_alarm(self.context, self.client, item, self._post_once, self.context.now)
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
            ts = self._post_once(item, channel=concern.channel, text=text, blocks=blocks)
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
        ts = self._post_once(item, channel=concern.channel, text=text, thread_ts=concern.card_ts)
        return Delivered(concern.channel, ts)

    def _deliver_leaders_digest(self, item: ClaimedItem) -> Delivered:
        channel = str(item.payload["channel"])
        digest = item.payload["digest"]
        ts = self._post_once(
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
            return self._post_once(item, channel=channel, text=text, thread_ts=thread_ts)

        posted = escalation_delivery.deliver(
            item, concern, self.context.policy, self.client, post, self.context.now()
        )
        if posted is None:
            raise Deferred("card not posted yet")
        return Delivered(posted.channel, posted.ts)

    def _post(self, item: ClaimedItem, channel: str, text: str, thread_ts: str | None) -> str:
        return self._post_once(item, channel=channel, text=text, thread_ts=thread_ts)

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
        ts = self._post_once(item, channel=channel, text=message.text, blocks=message.blocks)
        # The DM channel id identifies the reporter as well as their user id does: not recorded.
        return Delivered(None, ts)

    def _post_once(
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
