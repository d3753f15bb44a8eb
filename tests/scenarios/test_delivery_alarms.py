"""A team channel that stops taking cards is people's business: DMs to the team and its leads,
a post in the ops channel, hourly while it lasts, an all-clear after; nothing is lost."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.domain.clock import utcnow
from bot.jobs import runner
from bot.jobs.guardian_digest import guardian_digest_job
from storage.models import DeliveryAlarm, OutboxItem
from tests.support.alarms import LEAD, OPS, alarm_texts, check_alarms
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    GUARDIANS,
    SAFEGUARDING_CHANNEL,
    SAFEGUARDING_MEMBERS,
    Harness,
    readiness,
)
from tests.support.raise_helpers import raise_via, safeguarding_values


def wait_for_item(harness: Harness, error: str) -> None:
    """Until the worker has tried the card and Slack has answered `error`."""

    def tried() -> bool:
        with harness.context.db.transaction() as session:
            errors = session.scalars(
                select(OutboxItem.last_error).where(OutboxItem.kind == "card")
            ).all()
        return any(e and e.endswith(error) for e in errors)

    harness.context.wake_outbox()
    assert harness.emulator.wait_for(tried, 15), f"the card was never refused with {error}"


def an_hour_passes(harness: Harness) -> None:
    """The alarm's last notice an hour back (the outbox worker keeps real time, so the stored
    moment moves rather than the clock)."""
    with harness.context.db.transaction() as session:
        for alarm in session.scalars(select(DeliveryAlarm)):
            alarm.notified_at -= timedelta(minutes=61)


def test_a_channel_that_disappears_alarms_hourly_then_clears_and_loses_nothing(
    alarmed: Harness,
) -> None:
    harness = alarmed
    people = [*GUARDIANS, LEAD]
    assert readiness(harness.server.url) == (200, {"status": "ready"})
    harness.emulator.delete_channel(GUARDIAN_CHANNEL)
    harness.raise_speak_up()
    reference = harness.latest_reference()
    wait_for_item(harness, "channel_not_found")

    check_alarms(harness)
    harness.context.wake_outbox()
    for place in [*people, OPS]:
        assert harness.emulator.wait_for(lambda p=place: len(alarm_texts(harness, p)) == 1, 10), (
            place
        )
    (text,) = alarm_texts(harness, OPS)
    assert text.startswith(":rotating_light: 1 concern is waiting to reach <#C0GUARDIANS> since ")
    assert "(channel_not_found). Nothing is lost; they will be delivered once" in text
    assert reference not in text  # references go to the logs, not to DMs
    status, body = readiness(harness.server.url)
    assert status == 200 and body["status"] == "ready" and body["delivery"] == "stalled"
    assert body["oldest_waiting_seconds"] >= 0

    # Checked again within the hour: nobody is told twice. An hour on: once more.
    check_alarms(harness)
    an_hour_passes(harness)
    check_alarms(harness)
    harness.context.wake_outbox()
    for place in [*people, OPS]:
        assert harness.emulator.wait_for(lambda p=place: len(alarm_texts(harness, p)) == 2, 10), (
            place
        )
    assert alarm_texts(harness, OPS)[1].startswith(":rotating_light: Still: 1 concern is waiting")

    # The channel comes back: the card is delivered once, then everyone hears it is over.
    harness.emulator.restore_channel(GUARDIAN_CHANNEL)
    assert harness.wait_for_cards(GUARDIAN_CHANNEL, 1)
    harness.settle()
    check_alarms(harness)
    harness.settle()
    for place in [*people, OPS]:
        texts = alarm_texts(harness, place)
        assert len(texts) == 3 and texts[2].startswith(":white_check_mark: All clear"), place
    check_alarms(harness)
    harness.settle()
    assert all(len(alarm_texts(harness, p)) == 3 for p in [*people, OPS])
    cards = harness.cards_in(GUARDIAN_CHANNEL)
    assert len(cards) == 1 and reference in cards[0]["text"]
    assert readiness(harness.server.url) == (200, {"status": "ready"})


def test_an_archived_safeguarding_channel_alarms_each_member_of_the_team_group(
    alarmed: Harness,
) -> None:
    harness = alarmed
    harness.emulator.archive_channel(SAFEGUARDING_CHANNEL)
    raise_via(harness, safeguarding=True, values=safeguarding_values())
    wait_for_item(harness, "is_archived")
    check_alarms(harness)
    harness.context.wake_outbox()
    member = SAFEGUARDING_MEMBERS[0]
    assert harness.emulator.wait_for(lambda: len(alarm_texts(harness, member)) == 1, 10)
    (text,) = alarm_texts(harness, member)
    assert "(is_archived)" in text and "<#C0SAFEGUARD> is unarchived" in text
    assert harness.emulator.wait_for(lambda: len(alarm_texts(harness, OPS)) == 1, 10)
    # The guardians' channel is fine: no guardian hears about the safeguarding channel.
    assert not any(alarm_texts(harness, guardian) for guardian in GUARDIANS)


def test_a_refused_bot_token_makes_the_service_not_ready_until_slack_takes_it(
    alarmed: Harness,
) -> None:
    harness = alarmed
    harness.raise_speak_up()
    harness.settle()
    harness.emulator.refuse_token("token_revoked")
    # Something to deliver while Slack refuses the token: the morning digest.
    job = guardian_digest_job(harness.context.policy)
    assert runner.tick(harness.context, [job], owner="test", now=utcnow())[0].ran
    assert harness.emulator.wait_for(lambda: readiness(harness.server.url)[0] == 503, 10)
    status, body = readiness(harness.server.url)
    assert (
        status == 503 and "token_revoked" in body["status"] and "SLACK_BOT_TOKEN" in body["status"]
    )
    harness.emulator.accept_token()
    harness.settle()
    assert readiness(harness.server.url) == (200, {"status": "ready"})
