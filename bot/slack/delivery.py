"""The outbox worker: delivers queued Slack side effects, retrying until Slack takes them.

Exactly once in effect: after an attempt whose outcome we never saw (a crash, a timeout, a
5xx) the worker adopts the message it already posted (bot.slack.posted_lookup) instead of
posting a second one. A channel over Slack's rate waits alone (bot.slack.channel_pacing).
"""

from __future__ import annotations

import os
import threading
import uuid
from datetime import timedelta

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import String, bindparam, update

from bot.flows.context import AppContext
from bot.flows.conversation import reporter_unreachable
from bot.flows.delivery_health import REFUSED_TOKEN
from bot.flows.effects import CHANNEL_KINDS, EffectKind
from bot.slack.answering import QUIET, Answering
from bot.slack.channel_pacing import ChannelPacing, retry_after
from bot.slack.delivery_kinds import Deferred, KindDelivery
from bot.slack.token_state import SlackToken
from storage import outbox
from storage.models import Concern
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
        self.kinds = KindDelivery(context, client, self.pacing)

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
            result = self.kinds.deliver(item)
        except Deferred as exc:
            # Waiting for something else first: back in a second, the attempt not counted.
            self._put_back(item, str(exc), 1.0, count_attempt=False)
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
                self._put_back(item, f"{status} {error}", delay, count_attempt=False)
                return False
            delay = self._backoff(item.attempts)
            bound.warning("outbox.slack_error", status=status, error=error, retry_in=delay)
            self.context.telemetry.delivery(item.kind, "retry")
            if error in REFUSED_TOKEN:
                self.token.refused(error)
            self._put_back(item, f"{status} {error}", delay)
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
            self._put_back(item, type(exc).__name__, delay)
            return False
        except Exception as exc:
            # Our own fault (a missing key, a bug): keep the item, retry with backoff, and say
            # so loudly. Only the exception's type is logged: its text could carry content.
            delay = self._backoff(item.attempts)
            bound.error("outbox.failed", error=type(exc).__name__, retry_in=delay)
            self.context.telemetry.delivery(item.kind, "failed")
            self._put_back(item, type(exc).__name__, delay)
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

    def _put_back(
        self, item: ClaimedItem, error: str, delay: float, *, count_attempt: bool = True
    ) -> None:
        """Release the item to be tried again in `delay` seconds; `error` says why."""
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
