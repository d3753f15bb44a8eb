"""The morning digests as the teams see them: once a day, references linked to their cards."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.domain.clock import utcnow
from bot.jobs import runner
from bot.jobs.guardian_digest import guardian_digest_job
from bot.jobs.safeguarding_digest import safeguarding_digest_job
from bot.slack.digest_views import NOTHING
from storage.models import Concern
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    GUARDIANS,
    REPORTER,
    SAFEGUARDING_CHANNEL,
    Harness,
)
from tests.support.raise_helpers import raise_via, safeguarding_values

SECRET = "The rota on Station 4 leaves one paramedic alone on nights"


def digests_in(harness: Harness, channel: str) -> list[dict[str, Any]]:
    return [
        m
        for m in harness.emulator.messages_in(channel)
        if str(((m.get("metadata") or {}).get("event_payload") or {}).get("key", "")).startswith(
            "digest:"
        )
    ]


def age_concerns(harness: Harness, by: timedelta) -> None:
    """Move every concern's clock back (the outbox worker keeps real time, so the digests run
    now, over concerns raised earlier)."""
    with harness.context.db.transaction() as session:
        for concern_id, created, due in session.execute(
            select(Concern.id, Concern.created_at, Concern.ack_due_at)
        ).all():
            session.execute(
                update(Concern)
                .where(Concern.id == concern_id)
                .values(created_at=created - by, ack_due_at=due - by)
            )


def test_guardians_get_one_digest_a_morning_with_links_to_the_cards(
    harness: Harness,
) -> None:
    harness.raise_speak_up(description=SECRET)
    first = harness.latest_reference()
    harness.raise_speak_up(identity="anonymous_follow_up", extra={"detriment": "yes"})
    second = harness.latest_reference()
    harness.settle()
    job = guardian_digest_job(harness.context.policy)

    age_concerns(harness, timedelta(days=3))
    now = utcnow()
    # Two replicas tick at the same moment, and again a minute later: one digest.
    for owner in ("replica-a", "replica-b"):
        runner.tick(harness.context, [job], owner=owner, now=now)
    runner.tick(harness.context, [job], owner="replica-a", now=now + timedelta(minutes=1))
    harness.settle()

    posted = digests_in(harness, GUARDIAN_CHANNEL)
    assert len(posted) == 1
    digest = json.dumps(posted[0])
    for reference in (first, second):
        card = harness.card_for(reference)
        link = f"archives/{GUARDIAN_CHANNEL}/p{card['ts'].replace('.', '')}|{reference}>"
        assert link in digest, f"{reference} is not linked to its card"
    assert "Not yet acknowledged" in digest
    assert "reporter says they suffered detriment" in digest
    assert harness.emulator.calls_to("chat.getPermalink")
    buttons = [
        element["text"]["text"]
        for block in posted[0]["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert buttons == ["Record a concern"]
    # The button opens the form a guardian records a concern raised outside Slack with.
    before = len(harness.emulator.opened_views())
    assert (
        harness.workspace.click_labelled(GUARDIANS[0], posted[0], "Record a concern").status == 200
    )
    assert harness.next_view(GUARDIANS[0], before)["callback_id"] == "record_concern"
    # References and facts only.
    assert SECRET not in digest and REPORTER not in digest
    assert "Guardians' digest" in posted[0]["text"] and "2 concerns" in posted[0]["text"]


def test_a_quiet_morning_says_nothing_needs_you(
    harness: Harness,
) -> None:
    now = utcnow()
    runner.tick(harness.context, [guardian_digest_job(harness.context.policy)], owner="a", now=now)
    harness.settle()
    (posted,) = digests_in(harness, GUARDIAN_CHANNEL)
    assert NOTHING in posted["text"]
    assert NOTHING in json.dumps(posted["blocks"])


def test_safeguarding_digest_lists_open_concerns_without_a_referral_in_their_channel(
    harness: Harness,
) -> None:
    raise_via(harness, safeguarding=True, values=safeguarding_values())
    harness.settle()
    reference = harness.latest_reference()
    age_concerns(harness, timedelta(hours=30))
    job = safeguarding_digest_job(harness.context.policy)
    assert runner.tick(harness.context, [job], owner="a", now=utcnow())[0].ran
    harness.settle()
    (posted,) = digests_in(harness, SAFEGUARDING_CHANNEL)
    text = json.dumps(posted["blocks"])
    assert "Open without a local-authority referral" in text
    assert "open 30 h" in text
    assert reference in text
    assert not digests_in(harness, GUARDIAN_CHANNEL)
