"""Slack's news that a team channel was archived, deleted or that the app was removed from it
raises the delivery alarm at once, before any card is held up; its return clears it. Events
are delivered over signed HTTP, shaped as Slack sends them (plain and Enterprise Grid)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from storage.models import DeliveryAlarm, OutboxItem
from tests.support.alarms import LEAD, OPS, alarm_texts, check_alarms
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    GUARDIANS,
    SAFEGUARDING_CHANNEL,
    Harness,
)
from tests.support.slack_events import BOT_USER, TEAM, deliver, envelope

GUARDIAN = GUARDIANS[0]
_numbers = iter(range(1, 10_000))


def send(harness: Harness, event: dict[str, Any], *, grid: bool = False) -> None:
    assert deliver(harness, envelope(event, grid=grid, number=next(_numbers))) == 200


def wait_for_texts(harness: Harness, count: int) -> None:
    harness.context.wake_outbox()
    for place in [*GUARDIANS, LEAD, OPS]:
        assert harness.emulator.wait_for(
            lambda p=place: len(alarm_texts(harness, p)) == count, 10
        ), (place, alarm_texts(harness, place))


def alarms_queued(harness: Harness) -> int:
    with harness.context.db.transaction() as session:
        return len(session.scalars(select(OutboxItem.id).where(OutboxItem.kind == "alarm")).all())


@pytest.mark.parametrize("grid", [False, True], ids=["workspace", "enterprise_grid"])
def test_an_archived_team_channel_is_an_alarm_until_it_is_unarchived(
    alarmed: Harness, grid: bool
) -> None:
    harness = alarmed
    archive = {"type": "group_archive", "channel": GUARDIAN_CHANNEL, "actor_id": GUARDIAN}
    send(harness, archive, grid=grid)
    wait_for_texts(harness, 1)
    (text,) = alarm_texts(harness, OPS)
    assert text.startswith(":rotating_light: Slack says <#C0GUARDIANS> can no longer take cards")
    assert "(is_archived)" in text and "once <#C0GUARDIANS> is unarchived" in text
    # Slack's retry of the delivery, or a second event, tells nobody twice; nor does the
    # alarm job clear it while nothing waits (the channel is still archived).
    send(harness, archive, grid=grid)
    check_alarms(harness)
    harness.settle()
    assert len(alarm_texts(harness, OPS)) == 1

    send(harness, {"type": "group_unarchive", "channel": GUARDIAN_CHANNEL}, grid=grid)
    wait_for_texts(harness, 2)
    assert alarm_texts(harness, OPS)[1].startswith(":white_check_mark: All clear")
    with harness.context.db.transaction() as session:
        alarm = session.get_one(DeliveryAlarm, GUARDIAN_CHANNEL)
        assert alarm.cleared_at is not None


def test_the_app_removed_from_the_safeguarding_channel_is_an_alarm(alarmed: Harness) -> None:
    harness = alarmed
    # A person leaving the channel is not the app's business.
    left = {
        "type": "member_left_channel",
        "user": GUARDIAN,
        "channel": SAFEGUARDING_CHANNEL,
        "channel_type": "G",
        "team": TEAM,
    }
    send(harness, left)
    harness.settle()
    assert alarms_queued(harness) == 0
    send(harness, {**left, "user": BOT_USER})
    harness.settle()
    assert alarms_queued(harness) > 0
    ops = alarm_texts(harness, OPS)
    assert len(ops) == 1 and "<#C0SAFEGUARD>" in ops[0] and "(not_in_channel)" in ops[0]
    assert "invited back into <#C0SAFEGUARD>" in ops[0]

    joined = {**left, "type": "member_joined_channel", "user": BOT_USER, "inviter": GUARDIAN}
    send(harness, joined)
    harness.settle()
    assert alarm_texts(harness, OPS)[1].startswith(":white_check_mark: All clear")


def test_news_of_a_channel_that_is_no_team_channel_alarms_nobody(alarmed: Harness) -> None:
    harness = alarmed
    send(harness, {"type": "channel_archive", "channel": "C0RANDOM", "user": GUARDIAN})
    send(harness, {"type": "channel_deleted", "channel": "C0RANDOM"})
    harness.settle()
    assert alarms_queued(harness) == 0


def test_a_card_refused_after_the_news_joins_the_same_alarm(alarmed: Harness) -> None:
    harness = alarmed
    harness.emulator.delete_channel(GUARDIAN_CHANNEL)
    send(harness, {"type": "channel_deleted", "channel": GUARDIAN_CHANNEL})
    wait_for_texts(harness, 1)
    harness.raise_speak_up()
    harness.context.wake_outbox()

    def refused() -> bool:
        with harness.context.db.transaction() as session:
            errors = session.scalars(
                select(OutboxItem.last_error).where(OutboxItem.kind == "card")
            ).all()
        return any(e and e.endswith("channel_not_found") for e in errors)

    assert harness.emulator.wait_for(refused, 15)
    check_alarms(harness)
    assert len(alarm_texts(harness, OPS)) == 1  # no second "raised" for the same episode
    # Back, the card lands once and then everyone hears it is over.
    harness.emulator.restore_channel(GUARDIAN_CHANNEL)
    assert harness.wait_for_cards(GUARDIAN_CHANNEL, 1, timeout=30)
    check_alarms(harness)
    wait_for_texts(harness, 2)
    assert alarm_texts(harness, OPS)[1].startswith(":white_check_mark: All clear")
    assert len(harness.cards_in(GUARDIAN_CHANNEL)) == 1
