"""The outbox worker against a misbehaving Slack: retries, rate limits, crashes, dead channels."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select, update

from bot.domain.clock import utcnow
from bot.runtime.bolt_app import build_web_client
from bot.slack.delivery import OutboxWorker
from bot.slack.posted_lookup import HISTORY_LOOKBACK, METADATA_EVENT
from storage import outbox
from storage.models import AuditEntry, Concern, ConcernEvent, OutboxItem
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    OTHER_STAFF,
    REPORTER,
    SAFEGUARDING_CHANNEL,
    Harness,
)


def outbox_rows(harness: Harness) -> list[OutboxItem]:
    with harness.context.db.transaction() as session:
        rows = list(session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
        session.expunge_all()
    return rows


def concerns(harness: Harness) -> dict[str, Concern]:
    with harness.context.db.transaction() as session:
        rows = list(session.scalars(select(Concern)))
        session.expunge_all()
    return {row.reference: row for row in rows}


def wait_until_outbox_drained(harness: Harness, timeout: float = 30.0) -> bool:
    harness.context.wake_outbox()
    return harness.emulator.wait_for(
        lambda: all(row.status == "delivered" for row in outbox_rows(harness)), timeout
    )


def our_messages(harness: Harness, channel: str) -> list[dict[str, Any]]:
    return [
        m
        for m in harness.emulator.messages_in(channel)
        if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT
    ]


def cards_per_reference(harness: Harness, references: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for message in our_messages(harness, GUARDIAN_CHANNEL):
        for reference in references:
            if reference in message["text"]:
                counts[reference] += 1
    return counts


def open_fresh_modal(harness: Harness) -> dict[str, Any]:
    """/speakup, then the modal this command opened (not the last confirmation shown)."""
    opened_before = len(harness.emulator.calls_to("views.open"))
    assert harness.workspace.slash_command(REPORTER, "/speakup", "").status == 200
    assert harness.emulator.wait_for(
        lambda: len(harness.emulator.calls_to("views.open")) > opened_before, 5
    )
    opened = [sent for sent in harness.emulator.opened_views() if sent.method == "views.open"]
    return opened[-1].view


def raise_speak_up(harness: Harness, description: str) -> None:
    view = open_fresh_modal(harness)
    values = {"elements": ["worker_safety"], "description": description, "identity": "open"}
    result = harness.submit(REPORTER, view, values)
    assert result.status == 200
    assert result.json()["response_action"] == "update"


def stop_background_worker(harness: Harness) -> None:
    """Deliver only when the test says so, from the test's own thread."""
    worker = harness.server.worker
    assert worker is not None
    worker.stop()


def test_cards_survive_server_errors_and_rate_limits_each_arriving_once(
    harness: Harness,
) -> None:
    harness.emulator.fail_next("chat.postMessage", 5, status=500)
    harness.emulator.fail_next("chat.postMessage", 2, status=429, retry_after=1)
    for number in range(4):
        raise_speak_up(harness, f"Concern number {number} about the rota")
    references = list(concerns(harness))
    assert len(references) == 4

    assert wait_until_outbox_drained(harness)
    time.sleep(0.5)  # would a late duplicate turn up?

    failed = [c for c in harness.emulator.calls_to("chat.postMessage") if not c.ok]
    assert Counter(c.status for c in failed) == {500: 5, 429: 2}
    assert cards_per_reference(harness, references) == dict.fromkeys(references, 1)
    assert len(our_messages(harness, GUARDIAN_CHANNEL)) == 4
    # Every reporter DM arrived once too, each with its own idempotency key.
    dms = our_messages(harness, harness.emulator.im_channel_id(REPORTER))
    keys = [m["metadata"]["event_payload"]["key"] for m in dms]
    assert len(keys) == 4
    assert len(set(keys)) == 4

    stored = concerns(harness)
    for message in our_messages(harness, GUARDIAN_CHANNEL):
        reference = next(r for r in references if r in message["text"])
        assert stored[reference].card_ts == message["ts"]
    rows = outbox_rows(harness)
    assert all(row.last_error is None for row in rows)
    assert max(row.attempts for row in rows) > 1


def test_message_posted_before_a_crash_is_adopted_not_posted_again(harness: Harness) -> None:
    stop_background_worker(harness)
    assert harness.raise_speak_up().status == 200
    (concern,) = concerns(harness).values()
    card_item = next(row for row in outbox_rows(harness) if row.kind == "card")
    assert card_item.status == "pending"
    assert card_item.concern_id == concern.id

    # The previous process posted the card, then died before recording the ts.
    slack = WebClient(token="xoxb-test-token", base_url=harness.emulator.base_url)
    posted = slack.chat_postMessage(
        channel=GUARDIAN_CHANNEL,
        text=f"Speak up concern {concern.reference}",
        metadata={
            "event_type": METADATA_EVENT,
            "event_payload": {"key": card_item.idempotency_key},
        },
    )
    with harness.context.db.transaction() as session:
        session.execute(update(OutboxItem).where(OutboxItem.id == card_item.id).values(attempts=1))
    posts_before = len(harness.emulator.calls_to("chat.postMessage"))

    worker = OutboxWorker(harness.context, build_web_client(harness.context.settings))
    assert worker.run_once() == 2  # the adopted card and the reporter's DM

    assert concerns(harness)[concern.reference].card_ts == posted["ts"]
    assert len(our_messages(harness, GUARDIAN_CHANNEL)) == 1
    new_posts = harness.emulator.calls_to("chat.postMessage")[posts_before:]
    dm_channel = harness.emulator.im_channel_id(REPORTER)
    assert [c.params["channel"] for c in new_posts] == [dm_channel]  # only the DM
    history = harness.emulator.calls_to("conversations.history")
    assert any(c.params.get("channel") == GUARDIAN_CHANNEL for c in history)
    (row,) = (r for r in outbox_rows(harness) if r.id == card_item.id)
    assert row.status == "delivered"
    assert row.result_ts == posted["ts"]
    assert row.attempts == 2


def test_first_attempt_posts_without_searching_history(harness: Harness) -> None:
    stop_background_worker(harness)
    assert harness.raise_speak_up().status == 200
    worker = OutboxWorker(harness.context, build_web_client(harness.context.settings))
    assert worker.run_once() == 2
    assert len(our_messages(harness, GUARDIAN_CHANNEL)) == 1
    assert harness.emulator.calls_to("conversations.history") == []


def raise_safeguarding(harness: Harness) -> None:
    view = open_fresh_modal(harness)
    result = harness.workspace.click_labelled(REPORTER, view, "Someone is at risk of harm")
    assert result.status == 200
    assert harness.emulator.wait_for(
        lambda: (
            (harness.emulator.view_by_id(view["id"]) or {}).get("callback_id")
            == "raise_safeguarding"
        ),
        5,
    )
    form = harness.emulator.view_by_id(view["id"])
    assert form is not None
    answer = harness.submit(
        REPORTER,
        form,
        {
            "at_risk": "adult",
            "immediate_danger": "no",
            "location": "Not known",
            "description": "An older man left alone at home without his medication",
            "identity": "open",
        },
    )
    assert answer.status == 200
    assert answer.json()["response_action"] == "update"


def test_dead_channel_keeps_the_item_pending_and_holds_up_no_other_lane(
    harness: Harness,
) -> None:
    harness.emulator.delete_channel(GUARDIAN_CHANNEL)
    raise_speak_up(harness, "Nobody checks the response bags")
    (stuck,) = concerns(harness).values()

    def card_row() -> OutboxItem:
        return next(
            r for r in outbox_rows(harness) if r.kind == "card" and r.concern_id == stuck.id
        )

    harness.context.wake_outbox()
    assert harness.emulator.wait_for(lambda: card_row().attempts >= 3, 20)
    row = card_row()
    assert row.status == "pending"
    assert row.last_error is not None
    assert "channel_not_found" in row.last_error
    assert concerns(harness)[stuck.reference].card_ts is None

    # A safeguarding concern raised meanwhile still reaches its own channel.
    raise_safeguarding(harness)
    assert harness.emulator.wait_for(lambda: len(our_messages(harness, SAFEGUARDING_CHANNEL)) == 1)
    attempts_then = card_row().attempts
    assert harness.emulator.wait_for(lambda: card_row().attempts > attempts_then, 20)
    assert card_row().status == "pending"
    assert our_messages(harness, GUARDIAN_CHANNEL) == []


def test_an_unreachable_reporter_is_reported_to_the_team_once(harness: Harness) -> None:
    """Slack refuses the reporter's DM (they left): the update stays queued, and the team
    is told once in the card's thread, rather than hearing nothing."""
    harness.emulator.delete_channel(harness.emulator.im_channel_id(REPORTER))
    assert harness.raise_speak_up(identity="confidential").status == 200
    reference = harness.latest_reference()
    assert harness.wait_for_cards(GUARDIAN_CHANNEL, 1)
    card = harness.card_for(reference)

    def notes() -> list[str]:
        return [
            str(m.get("text") or "")
            for m in harness.emulator.thread_replies(GUARDIAN_CHANNEL, card["ts"])
            if "cannot be reached" in str(m.get("text") or "")
        ]

    assert harness.emulator.wait_for(lambda: len(notes()) == 1, 15)
    harness.emulator.wait_for(lambda: False, 2)  # more failed attempts: still one note
    assert len(notes()) == 1
    with harness.context.db.transaction() as session:
        dm = session.scalars(select(OutboxItem).where(OutboxItem.kind == "reporter_dm")).one()
        assert dm.status == "pending" and dm.attempts > 3


def test_an_anonymous_reporters_refused_dms_show_in_view_details_not_the_channel(
    harness: Harness,
) -> None:
    """A leavers' list matched against a thread line would unmask an anonymous reporter."""
    harness.emulator.delete_channel(harness.emulator.im_channel_id(REPORTER))
    assert harness.raise_speak_up(identity="anonymous_follow_up").status == 200
    reference = harness.latest_reference()
    assert harness.wait_for_cards(GUARDIAN_CHANNEL, 1)
    card = harness.card_for(reference)

    def noted() -> bool:
        with harness.context.db.transaction() as session:
            return bool(
                session.scalar(
                    select(ConcernEvent.uid).where(ConcernEvent.kind == "reporter_unreachable")
                )
            )

    assert harness.emulator.wait_for(noted, 20)
    replies = harness.emulator.thread_replies(GUARDIAN_CHANNEL, card["ts"])
    assert not [m for m in replies if "cannot be reached" in str(m.get("text") or "")]
    with harness.context.db.transaction() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert "reporter.unreachable" in actions


def our_cards(harness: Harness, key: str) -> list[dict[str, Any]]:
    return [
        m
        for m in harness.emulator.messages_in(GUARDIAN_CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT
        and ((m.get("metadata") or {}).get("event_payload") or {}).get("key") == key
    ]


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
