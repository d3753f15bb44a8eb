"""Nothing goes silent: a deadline left alone climbs the ladder until someone acts.

Over signed HTTP against the Slack emulator, with the service's clock moved forward and the
escalation job run through the job runner, as the scheduler would at those moments.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.domain.clock import utcnow
from bot.jobs.escalation import ESCALATION
from bot.jobs.runner import run_period
from bot.runtime.bolt_app import build_web_client
from bot.slack.delivery import OutboxWorker
from storage.models import AuditEntry, ConcernEvent, OutboxItem
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    GUARDIANS,
    REPORTER,
    SAFEGUARDING_CHANNEL,
    SAFEGUARDING_GROUP,
    SAFEGUARDING_MEMBERS,
    Harness,
)
from tests.support.journeys import submit_form
from tests.support.ladder import (
    EXECUTIVE,
    GUARDIAN_LEAD,
    SAFEGUARDING_LEADS,
    MovableClock,
    app_with_leads,
    dm_channel,
    escalations,
    minutes,
)
from tests.support.raise_helpers import (
    concern_by_reference,
    raise_via,
    reference_in,
    safeguarding_values,
    speak_up_values,
)

MARKER = "Marker-7Q: the stepfather locks the boy in the shed"
MEMBER = SAFEGUARDING_MEMBERS[0]


@pytest.fixture
def ladder(database_url: str) -> Iterator[Harness]:
    with app_with_leads(database_url) as harness:
        yield harness


@pytest.fixture
def clock(ladder: Harness, monkeypatch: pytest.MonkeyPatch) -> MovableClock:
    return MovableClock(ladder, monkeypatch)


def raise_urgent(harness: Harness) -> tuple[str, datetime]:
    result = raise_via(
        harness,
        safeguarding=True,
        values=safeguarding_values(MARKER, identity="open", danger="yes"),
    )
    reference = reference_in(result)
    harness.settle()
    return reference, concern_by_reference(harness, reference).created_at


def test_an_urgent_concern_left_alone_climbs_every_rung_once_in_order_without_content(
    ladder: Harness, clock: MovableClock
) -> None:
    reference, raised = raise_urgent(ladder)
    card = ladder.card_for(reference)
    team = f"<!subteam^{SAFEGUARDING_GROUP}>"
    lead_dms = {dm_channel(ladder, lead) for lead in SAFEGUARDING_LEADS}
    executive_dm = dm_channel(ladder, EXECUTIVE)

    # 1 hour to acknowledge, 4 to refer: reminders at 75%, then due, then +1 h leads (a DM to
    # each of the two members of the leads' group), +4 h executives. The job runs at each
    # moment, and again a few minutes later: nothing new.
    expected = [
        (45, [("ack", 1)]),
        (60, [("ack", 2)]),
        (120, [("ack", 3), ("ack", 3)]),
        (180, [("referral", 1)]),
        (240, [("referral", 2)]),
        (300, [("ack", 4), ("referral", 3), ("referral", 3)]),
        (480, [("referral", 4)]),
    ]
    for after, rungs in expected:
        before = len(escalations(ladder))
        clock.run_jobs(raised + minutes(after + 0.5))
        clock.run_jobs(raised + minutes(after + 5.5))
        new = escalations(ladder)[before:]
        assert sorted((e.deadline, e.rung) for e in new) == sorted(rungs), (after, new)

    sent = escalations(ladder)
    for deadline in ("ack", "referral"):
        ladder_of = [e for e in sent if e.deadline == deadline]
        assert [e.rung for e in ladder_of] == [1, 2, 3, 3, 4], deadline
        reminder, overdue, *leads, executive = ladder_of
        # 1: a reply in the card's thread, mentioning the team (nobody owns it).
        assert reminder.channel == SAFEGUARDING_CHANNEL and reminder.thread_ts == card["ts"]
        assert team in reminder.text and "reminder" in reminder.text
        # 2: a new message in the channel (not an edit, not in the thread), with the mention.
        assert overdue.channel == SAFEGUARDING_CHANNEL and overdue.thread_ts is None
        assert team in overdue.text and f"{reference} is overdue" in overdue.text
        # 3 and 4: direct messages, each member of the leads' group, then the executive.
        assert {e.channel for e in leads} == lead_dms
        assert executive.channel == executive_dm
        for dm in (*leads, executive):
            assert reference in dm.text and "overdue" in dm.text and "immediate danger" in dm.text

    # The card itself is flagged OVERDUE (updated in place by the sweep).
    assert "OVERDUE" in json.dumps(ladder.card_for(reference)["blocks"])
    top_level = [
        m
        for m in ladder.emulator.messages_in(SAFEGUARDING_CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == "speakup_outbox"
        and not str(m["metadata"].get("event_payload", {}).get("key", "")).startswith(
            ("digest:", "alarm:")
        )
    ]
    assert len(top_level) == 1 + 2  # the card and two overdue posts

    # Content-free everywhere: the messages, their queued payloads, the timeline, the audit.
    for escalation in sent:
        shown = json.dumps(escalation.params)
        assert MARKER not in shown and REPORTER not in shown and "Riley" not in shown
    with ladder.context.db.transaction() as session:
        payloads = json.dumps(
            [i.payload for i in session.scalars(select(OutboxItem)) if i.kind.startswith("esc")]
        )
        events = session.scalars(
            select(ConcernEvent.summary).where(ConcernEvent.kind == "escalation")
        ).all()
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("escalation.%"))
        ).all()
    assert MARKER not in payloads and REPORTER not in payloads
    assert len(events) == 8 and len(audited) == 8  # one per rung climbed, both ladders
    assert all(e.concern_reference == reference and e.actor == "system" for e in audited)
    assert MARKER not in json.dumps([a.detail for a in audited]) + " ".join(events)


def test_recording_the_referral_stops_its_ladder(ladder: Harness, clock: MovableClock) -> None:
    reference, raised = raise_urgent(ladder)
    clock.run_jobs(raised + minutes(241))  # both deadlines overdue, ack's leads told
    ladder.click(MEMBER, reference, "Acknowledge")
    ladder.settle()
    assert (
        submit_form(ladder, MEMBER, reference, "Record referral", {"authority": "Westshire"})
        is None
    )
    before = len(escalations(ladder))

    clock.run_jobs(raised + minutes(600))  # long past every grace of both deadlines
    assert escalations(ladder)[before:] == []


def test_a_rung_queued_before_the_referral_was_recorded_is_dropped(
    ladder: Harness, clock: MovableClock
) -> None:
    reference, raised = raise_urgent(ladder)
    clock.run_jobs(raised + minutes(241))
    assert ladder.server.worker is not None
    ladder.server.worker.stop()  # Slack slow: the next rung waits in the outbox
    now = clock.move_to(raised + minutes(301))
    run_period(ladder.context, ESCALATION, ESCALATION.schedule.latest(now), owner="t", now=now)
    worker = OutboxWorker(ladder.context, build_web_client(ladder.context.settings))
    opened = len(ladder.emulator.opened_views())
    ladder.click(MEMBER, reference, "Record referral")
    form = ladder.next_view(MEMBER, opened)
    assert ladder.workspace.submit_view(MEMBER, form, {"authority": "Westshire"}).json() is None
    before = len(escalations(ladder))
    worker.run_once()
    late = [(e.deadline, e.rung) for e in escalations(ladder)[before:]]
    assert ("referral", 3) not in late  # met meanwhile: nobody is told it is late
    assert ("ack", 4) in late  # the acknowledgement is still outstanding


def test_an_owner_is_mentioned_instead_of_the_team(ladder: Harness, clock: MovableClock) -> None:
    reference, raised = raise_urgent(ladder)
    ladder.click(MEMBER, reference, "Acknowledge")  # the acknowledger becomes the owner
    ladder.settle()
    clock.run_jobs(raised + minutes(241))
    (overdue,) = [e for e in escalations(ladder) if e.deadline == "referral" and e.rung == 2]
    assert f"<@{MEMBER}>" in overdue.text and "subteam" not in overdue.text


def test_a_speak_up_acknowledgement_over_easter_climbs_on_working_days(
    ladder: Harness, clock: MovableClock
) -> None:
    london = ZoneInfo("Europe/London")

    def local(*parts: int) -> datetime:
        return datetime(*parts, tzinfo=london)

    # Thursday 25 March 2027, 16:00: Good Friday and Easter Monday follow, so the two working
    # days to acknowledge end on Wednesday 31 March.
    clock.move_to(local(2027, 3, 25, 16, 0))
    reference = reference_in(raise_via(ladder, values=speak_up_values(MARKER)))
    ladder.settle()
    assert concern_by_reference(ladder, reference).ack_due_at == local(2027, 3, 31, 23, 59, 59)

    for quiet in ((2027, 3, 26, 12), (2027, 3, 27, 12), (2027, 3, 29, 23), (2027, 3, 30, 12)):
        clock.run_jobs(local(*quiet, 0))
        assert escalations(ladder) == [], quiet  # nothing over the long weekend

    clock.run_jobs(local(2027, 3, 31, 10, 5))
    clock.run_jobs(local(2027, 4, 1, 0, 5))
    clock.run_jobs(local(2027, 4, 3, 0, 5))  # Friday's end: 2 working days overdue
    clock.run_jobs(local(2027, 4, 8, 0, 5))  # Wednesday's end: 5 working days overdue
    sent = escalations(ladder)
    assert [(e.deadline, e.rung) for e in sent] == [("ack", 1), ("ack", 2), ("ack", 3), ("ack", 4)]
    guardians = " ".join(f"<@{g}>" for g in GUARDIANS)
    assert sent[0].channel == GUARDIAN_CHANNEL and guardians in sent[0].text
    assert sent[1].channel == GUARDIAN_CHANNEL and sent[1].thread_ts is None
    assert sent[2].channel == dm_channel(ladder, GUARDIAN_LEAD)
    assert sent[3].channel == dm_channel(ladder, EXECUTIVE)
    assert all(MARKER not in json.dumps(e.params) for e in sent)


def test_with_no_leads_configured_the_team_is_told_instead(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_with_leads(database_url, speakup_safeguarding_leads=[]) as harness:
        clock = MovableClock(harness, monkeypatch)
        reference, raised = raise_urgent(harness)
        clock.run_jobs(raised + minutes(121))
        (told,) = [e for e in escalations(harness) if e.rung == 3]
        assert told.channel == SAFEGUARDING_CHANNEL and told.thread_ts is None
        assert "none are configured" in told.text and reference in told.text


def test_the_job_runs_once_per_period_across_replicas(ladder: Harness, clock: MovableClock) -> None:
    _, raised = raise_urgent(ladder)
    now = clock.move_to(raised + minutes(61))
    period = ESCALATION.schedule.latest(now)
    assert run_period(ladder.context, ESCALATION, period, owner="replica-a", now=now).ran
    assert not run_period(ladder.context, ESCALATION, period, owner="replica-b", now=now).ran
    ladder.settle()
    assert len(escalations(ladder)) == 1  # the ack is overdue; its reminder is not sent late
    assert utcnow() < now  # the clock really was moved
    assert timedelta(0) < now - raised


def test_a_leads_group_slack_does_not_know_falls_back_to_the_channel(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_with_leads(database_url, speakup_safeguarding_leads=["S0NOSUCH"]) as harness:
        clock = MovableClock(harness, monkeypatch)
        reference, raised = raise_urgent(harness)
        clock.run_jobs(raised + minutes(121))
        (told,) = [e for e in escalations(harness) if e.rung == 3]
        assert told.channel == SAFEGUARDING_CHANNEL and reference in told.text
        assert "none could be found" in told.text


def test_no_link_to_the_card_holds_no_rung_up(ladder: Harness, clock: MovableClock) -> None:
    reference, raised = raise_urgent(ladder)
    ladder.emulator.fail_next("chat.getPermalink", 10, status=500)
    clock.run_jobs(raised + minutes(61))
    (overdue,) = [e for e in escalations(ladder) if e.rung == 2]
    assert f"{reference} is overdue" in overdue.text and "See " not in overdue.text
