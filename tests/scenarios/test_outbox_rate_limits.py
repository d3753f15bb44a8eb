"""A channel over Slack's posting rate drains at that rate and holds up nobody else.

Slack takes about one message a second in a channel and answers more with HTTP 429 and
Retry-After. Scaled down here (5 a second, the emulator's waits exact rather than rounded
up to Slack's whole seconds): 40 cards queued for the guardians' channel must arrive once
each, close to the rate's floor, while a safeguarding concern raised meanwhile reaches its
own channel and its reporter at once. bench/outbox_drain.py runs the same at Slack's rate.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

from bot.domain.taxonomy import IdentityMode
from bot.runtime.clients import build_web_client
from bot.slack.delivery import OutboxWorker
from tests.support.concerns import raise_concern
from tests.support.harness import GUARDIAN_CHANNEL, REPORTER, SAFEGUARDING_CHANNEL, Harness
from tests.support.raise_helpers import raise_via

POSTS = 40
RATE = 5.0
BURST = 3
FLOOR = (POSTS - BURST) / RATE  # seconds: no drain can be faster
# The drain may take the floor plus a tenth, and a little for the set-up of a shared machine.
ALLOWED = 1.1 * FLOOR + 0.5
PROMPT = 2.0  # seconds for another channel's card and a reporter's DM, backlog or not


def test_a_backlog_in_one_channel_drains_at_its_rate_while_everything_else_flows(
    harness: Harness,
) -> None:
    # The backlog is queued while the service's worker is stopped (as after an outage), then
    # a worker starts on it.
    assert harness.server.worker is not None
    harness.server.worker.stop()
    for _ in range(POSTS):
        raise_concern(
            harness.context, datetime.now(UTC), identity=IdentityMode.ANONYMOUS_NO_CONTACT
        )
    harness.emulator.enable_post_rate_limit(per_second=RATE, burst=BURST, whole_seconds=False)
    worker = OutboxWorker(harness.context, build_web_client(harness.context.settings))
    started = time.monotonic()
    worker.start()
    try:
        drained, other_lane = drain_while_a_reporter_raises(harness)
    finally:
        worker.stop()
    cards = harness.cards_in(GUARDIAN_CHANNEL)
    keys = Counter(str(c["metadata"]["event_payload"]["key"]) for c in cards)
    assert len(cards) == POSTS and set(keys.values()) == {1}, "a card was posted twice"
    limited = [c for c in harness.emulator.calls_to("chat.postMessage") if c.status == 429]
    assert limited, "Slack never pushed back: the test measured nothing"
    # The worker asks a waiting channel again only once its Retry-After is up (at most one
    # 429 for each post), and a post Slack refused with 429 was not made: no history search.
    assert len(limited) <= POSTS, f"{len(limited)} answered 429 for {POSTS} posts"
    assert not harness.emulator.calls_to("conversations.history")
    took = drained - started
    assert took <= ALLOWED, (
        f"{POSTS} cards took {took:.2f}s; the floor is {FLOOR:.2f}s "
        f"({took / FLOOR:.2f}x, {len(limited)} answered 429; other lane {other_lane:.2f}s)"
    )


def drain_while_a_reporter_raises(harness: Harness) -> tuple[float, float]:
    """When the last card arrived, and how long the safeguarding concern's card and DM took."""
    assert harness.emulator.wait_for(lambda: len(harness.cards_in(GUARDIAN_CHANNEL)) >= 10, 5)
    # A reporter raises a safeguarding concern: its card and their DM do not wait behind the
    # guardians' backlog.
    asked = time.monotonic()
    assert raise_via(harness, safeguarding=True).status == 200
    dm_channel = harness.emulator.im_channel_id(REPORTER)
    assert harness.emulator.wait_for(
        lambda: (
            len(harness.cards_in(SAFEGUARDING_CHANNEL)) == 1
            and len(harness.emulator.messages_in(dm_channel)) >= 1
        ),
        PROMPT,
    ), "the safeguarding card or the reporter's DM waited behind another channel"
    other_lane = time.monotonic() - asked
    assert len(harness.cards_in(GUARDIAN_CHANNEL)) < POSTS, "the backlog had already drained"

    assert harness.emulator.wait_for(
        lambda: len(harness.cards_in(GUARDIAN_CHANNEL)) >= POSTS, 4 * FLOOR
    )
    return time.monotonic(), other_lane
