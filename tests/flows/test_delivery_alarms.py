"""When cards do not reach a channel, who is told, when, how often, and when it is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.domain.taxonomy import ConcernKind
from bot.flows.delivery_alarms import check_delivery
from bot.flows.delivery_health import oldest_stuck
from storage import outbox
from storage.models import DeliveryAlarm, OutboxItem
from tests.support.concerns import raise_concern, service
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    GUARDIANS,
    SAFEGUARDING_CHANNEL,
    SAFEGUARDING_GROUP,
)

NOW = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)
TEAM_SETTINGS: dict[str, Any] = {
    "speakup_guardian_leads": ["U0LEAD", "U0GUARD1"],
    "speakup_safeguarding_leads": ["S0SGLEADS"],
    "speakup_ops_channel": "C0OPS",
}


def alarms(context: Any) -> list[tuple[str, str, str]]:
    """(recipient, state, channel) of every alarm queued, in order."""
    with context.db.transaction() as session:
        payloads = session.scalars(
            select(OutboxItem.payload).where(OutboxItem.kind == "alarm").order_by(OutboxItem.id)
        )
        return [(p["to"], p["state"], p["channel"]) for p in payloads]


def fail_cards(context: Any, error: str | None, *, concern_id: str | None = None) -> None:
    """The card items (of one concern, or all) were tried and Slack answered `error`."""
    with context.db.transaction() as session:
        query = update(OutboxItem).where(OutboxItem.kind == "card")
        if concern_id:
            query = query.where(OutboxItem.concern_id == concern_id)
        session.execute(query.values(attempts=2, last_error=f"200 {error}" if error else None))


def deliver_all(context: Any) -> None:
    with context.db.transaction() as session:
        session.execute(update(OutboxItem).values(status=outbox.DELIVERED))


def check(context: Any, now: datetime) -> tuple[int, int, int]:
    with context.db.transaction() as session:
        result = check_delivery(session, context.policy, now)
    return result.raised, result.repeated, result.cleared


def test_a_refusing_channel_tells_the_team_its_leads_and_ops_hourly_then_all_clear(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with service(database_url, **TEAM_SETTINGS) as context:
        first, first_reference = raise_concern(context, NOW)
        _, second_reference = raise_concern(context, NOW + timedelta(minutes=1))
        fail_cards(context, "channel_not_found")

        assert check(context, NOW + timedelta(minutes=2)) == (1, 0, 0)
        # Logged for the on-call team with the references held up (never in the DMs).
        (logged,) = [r.getMessage() for r in caplog.records if "delivery.alarm" in r.getMessage()]
        assert first_reference in logged and second_reference in logged
        assert "channel_not_found" in logged
        people = [*GUARDIANS, "U0LEAD"]
        assert alarms(context) == [(to, "raised", GUARDIAN_CHANNEL) for to in [*people, "C0OPS"]]
        with context.db.transaction() as session:
            alarm = session.get_one(DeliveryAlarm, GUARDIAN_CHANNEL)
            assert (alarm.concerns, alarm.error, alarm.since) == (2, "channel_not_found", NOW)

        # Within the hour: nothing new. After it: once more.
        assert check(context, NOW + timedelta(minutes=45)) == (0, 0, 0)
        assert check(context, NOW + timedelta(minutes=62)) == (0, 1, 0)
        assert check(context, NOW + timedelta(minutes=63)) == (0, 0, 0)
        assert [state for _, state, _ in alarms(context)].count("still") == 4

        # Fixed and delivered: the all-clear, once; a later problem starts a new alarm.
        deliver_all(context)
        assert check(context, NOW + timedelta(minutes=70)) == (0, 0, 1)
        assert check(context, NOW + timedelta(minutes=71)) == (0, 0, 0)
        assert [state for _, state, _ in alarms(context)].count("clear") == 4
        raise_concern(context, NOW + timedelta(minutes=80))
        fail_cards(context, "is_archived")
        assert check(context, NOW + timedelta(minutes=81)) == (1, 0, 0)
        assert first  # the concerns themselves were never touched


def test_no_all_clear_while_cards_are_still_on_their_way(database_url: str) -> None:
    with service(database_url, **TEAM_SETTINGS) as context:
        raise_concern(context, NOW)
        fail_cards(context, "not_in_channel")
        assert check(context, NOW) == (1, 0, 0)
        # The app was invited back; the card now only waits for its next try: not stuck,
        # not delivered either. The alarm stays open until it lands.
        fail_cards(context, None)
        assert check(context, NOW + timedelta(minutes=2)) == (0, 0, 0)
        deliver_all(context)
        assert check(context, NOW + timedelta(minutes=3)) == (0, 0, 1)


def test_slow_cards_alarm_after_the_threshold_urgent_ones_sooner(database_url: str) -> None:
    with service(database_url, **TEAM_SETTINGS) as context:
        raise_concern(context, NOW)  # routine speak-up: 15 minutes
        raise_concern(context, NOW, kind=ConcernKind.SAFEGUARDING, immediate_danger=True)
        fail_cards(context, "http_503")
        assert check(context, NOW + timedelta(minutes=4)) == (0, 0, 0)
        with context.db.transaction() as session:
            assert oldest_stuck(session, context.policy.alarms, NOW + timedelta(minutes=4)) is None
        assert check(context, NOW + timedelta(minutes=6)) == (1, 0, 0)
        # The safeguarding team (a user group, expanded when the DM goes) and its leads.
        assert alarms(context) == [
            (SAFEGUARDING_GROUP, "raised", SAFEGUARDING_CHANNEL),
            ("S0SGLEADS", "raised", SAFEGUARDING_CHANNEL),
            ("C0OPS", "raised", SAFEGUARDING_CHANNEL),
        ]
        assert check(context, NOW + timedelta(minutes=14)) == (0, 0, 0)
        assert check(context, NOW + timedelta(minutes=16)) == (1, 0, 0)
        with context.db.transaction() as session:
            assert oldest_stuck(session, context.policy.alarms, NOW + timedelta(minutes=16)) == NOW


def test_without_an_ops_channel_the_people_are_still_told(database_url: str) -> None:
    with service(database_url) as context:
        raise_concern(context, NOW)
        fail_cards(context, "token_revoked")
        assert check(context, NOW) == (1, 0, 0)
        assert [to for to, _, _ in alarms(context)] == GUARDIANS
