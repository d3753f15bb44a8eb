"""After closure, over signed HTTP: the detriment check-in reaches each reachable reporter
once, on the first working day N weeks after closing; "yes" tells a person, records detriment
for the quarterly return and offers a reopening; "no" alarms nobody; nobody else can answer."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain.aftercare import CHECKIN_QUESTION
from bot.slack.copy import NOT_YOURS
from storage.models import AuditEntry
from tests.support.aftercare import G1, AfterClosure, checkin_dms, press, shown
from tests.support.harness import GUARDIAN_CHANNEL, KEY_A, OTHER_STAFF, REPORTER, Harness
from tests.support.journeys import NO_CONTACT_REPORTER, raised, secret
from tests.support.ladder import GUARDIAN_LEAD, app_with_leads
from tests.support.raise_helpers import reference_in
from tests.support.speakup_process import run_speakup

# Closed on a Saturday; six weeks on is Saturday 16 January, so the question waits for
# Monday 18 January, 10:00 UK time (GMT: 10:00 UTC).
CLOSED = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
SIX_WEEKS_ON_A_SATURDAY = datetime(2027, 1, 16, 12, 0, tzinfo=UTC)
MONDAY_JUST_BEFORE = datetime(2027, 1, 18, 9, 59, tzinfo=UTC)
MONDAY_DUE = datetime(2027, 1, 18, 10, 5, tzinfo=UTC)
MONDAY_LATER = datetime(2027, 1, 18, 10, 35, tzinfo=UTC)


@pytest.fixture
def after(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AfterClosure]:
    """The app with leads, and the clock that closes concerns and runs the check-ins."""
    with app_with_leads(database_url) as harness:
        yield AfterClosure.of(harness, monkeypatch)


def quarterly_detriment(harness: Harness, quarter: str, tmp_path: Path) -> str:
    out = tmp_path / f"return-{quarter}.csv"
    result = run_speakup(
        "export", "quarterly", "2026/27", quarter, "--out", str(out),
        env={"DATABASE_URL": harness.context.settings.database_url,
             "SPEAKUP_ENCRYPTION_KEYS": KEY_A, "SPEAKUP_GUARDIAN_CHANNEL": GUARDIAN_CHANNEL},
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    header, row = list(csv.reader(io.StringIO(out.read_text())))
    return dict(zip(header, row, strict=True))["cases_detriment"]


def test_asked_once_on_the_first_working_day_and_yes_tells_records_counts_and_reopens(
    after: AfterClosure, tmp_path: Path
) -> None:
    harness = after.harness
    words = secret("aftercare-yes")
    reference = raised(harness, identity="confidential", description=words)
    after.close(reference, CLOSED)

    after.run_checkins(SIX_WEEKS_ON_A_SATURDAY)
    after.run_checkins(MONDAY_JUST_BEFORE)
    assert checkin_dms(harness) == []
    # Two replicas tick the due period, then later periods after a restart: one question.
    after.run_checkins(MONDAY_DUE)
    after.run_checkins(MONDAY_LATER, owners=("restarted-a", "restarted-b"))
    [question] = checkin_dms(harness)
    assert CHECKIN_QUESTION in shown([question]) and reference in shown([question])
    assert words not in shown([question])
    assert after.concern(reference).checkin_sent_at is not None

    # Someone else pressing the reporter's button (its value names the concern) changes nothing.
    assert press(harness, OTHER_STAFF, question, "Yes") == NOT_YOURS
    untouched = after.concern(reference)
    assert untouched.checkin_answer is None and untouched.detriment != "yes"

    thanks = press(harness, REPORTER, question, "Yes")
    assert "Thank you for telling us" in thanks
    concern = after.concern(reference)
    assert concern.checkin_answer == "yes" and concern.detriment == "yes"
    assert concern.detriment_indicated_at is not None
    assert concern.detriment_indicated_at.date() == MONDAY_LATER.date()
    # A person is told: the owner and the guardian lead by DM, the card's thread with a mention.
    for person in (G1, GUARDIAN_LEAD):
        told = shown(harness.emulator.messages_in(person))
        assert reference in told and "treated worse" in told and words not in told
    thread = harness.emulator.thread_replies(GUARDIAN_CHANNEL, harness.card_for(reference)["ts"])
    assert any("After-closure check-in" in (m.get("text") or "") for m in thread)
    with harness.context.db.transaction() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.concern_reference == reference)
        ).all()
    assert "aftercare.detriment_indicated" in actions

    # Answering twice changes nothing.
    assert "already recorded" in press(harness, REPORTER, question, "Yes")
    assert after.concern(reference).checkin_answered_at == concern.checkin_answered_at

    # Counted in the quarter it was given (Q4: January), not the quarter it was raised in.
    assert quarterly_detriment(harness, "Q4", tmp_path) == "1"
    assert quarterly_detriment(harness, "Q3", tmp_path) == "0"

    # The reporter is offered a reopening; it goes through the one transition.
    [offer] = [
        m for m in harness.emulator.messages_in(REPORTER) if "Reopen my concern" in shown([m])
    ]
    assert reference in press(harness, REPORTER, offer, "Reopen my concern")
    reopened = after.concern(reference)
    assert reopened.status == "in_progress" and reopened.closed_at is None
    assert "Investigating" in shown([harness.card_for(reference)])
    assert "reopened" in press(harness, REPORTER, offer, "Reopen my concern")


def test_no_is_thanked_and_alarms_nobody_and_a_reopened_concern_takes_no_answer(
    after: AfterClosure,
) -> None:
    harness = after.harness
    first = raised(harness, identity="open")
    second = raised(harness, identity="confidential")
    after.close(first, CLOSED)
    after.close(second, CLOSED)
    after.run_checkins(MONDAY_DUE)
    questions = checkin_dms(harness)
    assert len(questions) == 2
    by_reference = {r: next(q for q in questions if r in shown([q])) for r in (first, second)}

    assert "nothing more is needed" in press(harness, REPORTER, by_reference[first], "No")
    concern = after.concern(first)
    assert concern.checkin_answer == "no" and concern.detriment != "yes"
    assert harness.emulator.messages_in(GUARDIAN_LEAD) == []
    thread = harness.emulator.thread_replies(GUARDIAN_CHANNEL, harness.card_for(first)["ts"])
    assert not any("check-in" in (m.get("text") or "") for m in thread)

    # A guardian reopens the second before its reporter answers: the answer changes nothing.
    harness.click(G1, second, "Reopen")
    harness.settle()
    assert "reopened" in press(harness, REPORTER, by_reference[second], "Yes")
    assert after.concern(second).checkin_answer is None


def test_anonymous_reporters_are_asked_through_the_relay_and_no_contact_never(
    after: AfterClosure,
) -> None:
    harness = after.harness
    anonymous = raised(harness, identity="anonymous_follow_up")
    no_contact_result = harness.raise_speak_up(
        user=NO_CONTACT_REPORTER, identity="anonymous_no_contact"
    )
    no_contact = reference_in(no_contact_result)  # its creation time is kept to the hour only
    harness.settle()
    after.close(anonymous, CLOSED)
    after.close(no_contact, CLOSED)
    after.run_checkins(MONDAY_DUE)

    [question] = checkin_dms(harness)
    assert anonymous in shown([question])
    assert checkin_dms(harness, NO_CONTACT_REPORTER) == []
    assert after.concern(no_contact).checkin_sent_at is None

    press(harness, REPORTER, question, "Yes")
    # The owner and lead are told by DM; the channel gets no line timed by the reporter's answer.
    assert anonymous in shown(harness.emulator.messages_in(GUARDIAN_LEAD))
    thread = harness.emulator.thread_replies(GUARDIAN_CHANNEL, harness.card_for(anonymous)["ts"])
    assert not any("check-in" in (m.get("text") or "") for m in thread)
    assert REPORTER not in shown(harness.emulator.messages_in(GUARDIAN_LEAD))
