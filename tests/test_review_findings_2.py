"""Second review: the receipt flow, Home and status, DM events and the outbox worker.

Each test pins a defect found in review, now fixed, so it cannot come back.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select, update

from bot.domain.clock import utcnow
from bot.runtime.bolt_app import build_web_client
from bot.slack.delivery import HISTORY_LOOKBACK, METADATA_EVENT, OutboxWorker
from bot.slack.receipt_page import NO_MATCH
from storage import outbox
from storage.models import OutboxItem
from tests.support.harness import GUARDIAN_CHANNEL, OTHER_STAFF, Harness
from tests.support.raise_helpers import command_answer

# --- helpers --------------------------------------------------------------------------------


def status(harness: Harness, user: str, argument: str = "") -> dict[str, Any]:
    result = harness.workspace.slash_command(user, "/speakup", f"status {argument}".strip())
    return command_answer(result)


def outbox_rows(harness: Harness) -> list[OutboxItem]:
    with harness.context.db.transaction() as session:
        rows = list(session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
        session.expunge_all()
    return rows


def stop_background_worker(harness: Harness) -> None:
    worker = harness.server.worker
    assert worker is not None
    worker.stop()


def our_cards(harness: Harness, key: str) -> list[dict[str, Any]]:
    return [
        m
        for m in harness.emulator.messages_in(GUARDIAN_CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT
        and ((m.get("metadata") or {}).get("event_payload") or {}).get("key") == key
    ]


# --- (1) receipt rate limit -----------------------------------------------------------------


def test_concurrent_wrong_receipts_are_limited_like_sequential_ones(harness: Harness) -> None:
    guesses = 12

    def guess(number: int) -> str:
        return str(status(harness, OTHER_STAFF, f"ZZZZ-ZZZZ-ZZZZ-{number:04d}")["text"])

    with ThreadPoolExecutor(max_workers=guesses) as pool:
        answers = list(pool.map(guess, range(guesses)))
    checked = sum(1 for answer in answers if answer == NO_MATCH)
    # Five wrong receipts per window, however they arrive.
    assert checked <= 5, f"{checked} guesses were checked"


# --- (4) outbox ----------------------------------------------------------------------------


def test_a_lost_card_is_adopted_even_behind_a_busy_channel(harness: Harness) -> None:
    stop_background_worker(harness)
    assert harness.raise_speak_up(identity="open").status == 200
    card_item = next(row for row in outbox_rows(harness) if row.kind == "card")
    # An earlier attempt posted the card, then its answer was lost (a timeout)...
    slack = WebClient(token="xoxb-test-token", base_url=harness.emulator.base_url)
    slack.chat_postMessage(
        channel=GUARDIAN_CHANNEL,
        text="Speak up concern",
        metadata={
            "event_type": METADATA_EVENT,
            "event_payload": {"key": card_item.idempotency_key},
        },
    )
    with harness.context.db.transaction() as session:
        session.execute(update(OutboxItem).where(OutboxItem.id == card_item.id).values(attempts=1))
    # ...and the channel was busy before the retry came round.
    for number in range(HISTORY_LOOKBACK + 1):
        harness.emulator.post_as_user(GUARDIAN_CHANNEL, OTHER_STAFF, f"chat {number}")

    OutboxWorker(harness.context, build_web_client(harness.context.settings)).run_once()
    assert len(our_cards(harness, card_item.idempotency_key)) == 1


def test_a_worker_whose_lease_expired_cannot_release_anothers_lease(harness: Harness) -> None:
    stop_background_worker(harness)
    assert harness.raise_speak_up(identity="open").status == 200
    card_item = next(row for row in outbox_rows(harness) if row.kind == "card")
    lease = timedelta(seconds=45)
    start = utcnow()
    with harness.context.db.transaction() as session:
        assert outbox.claim(session, card_item.id, owner="A", now=start, lease=lease)
    later = start + lease + timedelta(seconds=1)  # A is stuck in a slow Slack call
    with harness.context.db.transaction() as session:
        assert outbox.claim(session, card_item.id, owner="B", now=later, lease=lease)
    # A's call finally fails; A records the failure.
    with harness.context.db.transaction() as session:
        outbox.mark_failed(session, card_item.id, owner="A", now=later, error="timeout", retry_in=0)
    # B is still delivering: nobody else may take the item until B's lease runs out.
    with harness.context.db.transaction() as session:
        due = outbox.due_item_ids(session, now=later + timedelta(seconds=1), limit=20)
    assert card_item.id not in due
