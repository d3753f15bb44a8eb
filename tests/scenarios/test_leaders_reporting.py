"""Leaders see the picture: a known mix of concerns raised and worked over signed HTTP, then
the weekly digest and the quarterly return checked against a hand count, cell by cell, and
searched for anything that could identify or quote anyone."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.digest_figures import History, RawCounts, Safeguarding, Timing, build_digest
from bot.domain.reporting_week import reported_week
from bot.domain.taxonomy import ELEMENTS, PROFESSIONAL_GROUPS
from bot.flows.leaders_digest import count_week, digest_rules
from bot.jobs.leaders_digest import leaders_digest_job
from bot.jobs.quarterly_return import quarterly_return_job
from bot.jobs.runner import run_period, tick
from storage.models import Concern
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    GUARDIANS,
    LEADERS_CHANNEL,
    REPORTER,
    SAFEGUARDING_MEMBERS,
    Harness,
    running_app,
)
from tests.support.journeys import submit_form
from tests.support.raise_helpers import raise_via, reference_in, safeguarding_values

G1 = GUARDIANS[0]
SITES = ["Northtown", "Southport"]
WEDNESDAY = datetime(2026, 9, 16, 10, 0, tzinfo=UTC)  # in 2026-W38 (14 to 20 September)
MONDAY_AFTER = datetime(2026, 9, 21, 8, 5, tzinfo=UTC)  # the digest's run, 09:05 BST
FIRST_WORKING_DAY_OF_Q3 = datetime(2026, 10, 1, 8, 5, tzinfo=UTC)


def marker(label: str) -> str:
    return f"zq-marker-{label}-5521"


@pytest.fixture
def reporting(database_url: str) -> Iterator[Harness]:
    with running_app(
        database_url,
        speakup_sites=SITES,
        speakup_small_number_threshold=3,
        speakup_org_code="RX9",
    ) as running:
        yield running


def at(harness: Harness, monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    monkeypatch.setattr(harness.context, "clock", lambda: when)


def speak_up(harness: Harness, label: str, elements: list[str], identity: str, **extra: Any) -> str:
    result = harness.raise_speak_up(
        description=marker(label), identity=identity, elements=elements, extra=extra
    )
    assert result.json()["response_action"] == "update", result.body
    harness.settle()
    return reference_in(result)  # several are raised at the same moment


def raise_the_mix(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Eight speak-up concerns and two safeguarding ones; returns every reference."""
    refs = []
    at(harness, monkeypatch, datetime(2026, 9, 2, 10, 0, tzinfo=UTC))  # 2026-W36
    refs.append(speak_up(harness, "G", ["bullying_harassment"], "confidential", site="Southport"))
    refs.append(speak_up(harness, "H", ["other"], "open"))
    at(harness, monkeypatch, datetime(2026, 9, 3, 10, 0, tzinfo=UTC))
    for reference in refs:
        harness.click(G1, reference, "Acknowledge")
        harness.settle()
    at(harness, monkeypatch, WEDNESDAY)
    mix = [
        ("A", ["patient_safety", "worker_safety"], "confidential",
         {"site": "Northtown", "professional_group": "paramedic_clinician", "detriment": "yes"}),
        ("B", ["bullying_harassment"], "anonymous_follow_up",
         {"site": "Northtown", "professional_group": "call_handler"}),
        ("C", ["bullying_harassment"], "open", {"site": "Southport"}),
        ("D", ["attitudes_behaviours"], "anonymous_no_contact",
         {"site": "Northtown", "professional_group": "paramedic_clinician", "detriment": "yes"}),
        ("E", ["worker_safety"], "confidential", {"professional_group": "support_corporate"}),
        ("F", ["patient_safety"], "confidential", {"site": "Northtown"}),
    ]  # fmt: skip
    for label, elements, identity, extra in mix:
        refs.append(speak_up(harness, label, elements, identity, **extra))
    harness.click(G1, refs[2], "Acknowledge")  # A
    harness.settle()
    # H closes this week and its reporter answers the feedback question.
    outcome = {"outcome": "action_taken", "outcome_text": marker("out")}
    submit_form(harness, G1, refs[1], "Close", outcome)
    closing = next(
        m for m in harness.emulator.messages_in(REPORTER)
        if "would you speak up again" in json.dumps(m.get("blocks") or [])
    )  # fmt: skip
    before = len(harness.emulator.opened_views())
    harness.workspace.click_labelled(REPORTER, closing, "Give feedback")
    view = harness.next_view(REPORTER, before)
    assert harness.workspace.submit_view(REPORTER, view, {"feedback": "yes"}).status == 200
    # Safeguarding: one referred the same day, one (raised on Thursday) never referred.
    refs.append(
        reference_in(
            raise_via(harness, safeguarding=True, values=safeguarding_values(marker("S1")))
        )
    )
    harness.settle()
    referral = {"authority": marker("council"), "referral_reference": "WC-1"}
    submit_form(harness, SAFEGUARDING_MEMBERS[0], refs[-1], "Record referral", referral)
    at(harness, monkeypatch, datetime(2026, 9, 17, 10, 0, tzinfo=UTC))
    refs.append(
        reference_in(
            raise_via(harness, safeguarding=True, values=safeguarding_values(marker("S2")))
        )
    )
    harness.settle()
    return refs


def hand_count() -> RawCounts:
    """The mix above, counted by hand for 2026-W38 (threshold 3)."""
    new = [0] * 13
    new[12], new[10] = 6, 2  # A-F this week; G and H two weeks before
    closed = [0] * 13
    closed[12] = 1  # H
    groups = dict.fromkeys(PROFESSIONAL_GROUPS, 0)
    groups.update({"paramedic_clinician": 2, "call_handler": 1, "support_corporate": 1, "": 4})
    return RawCounts(
        week="2026-W38",
        first_day="2026-09-14",
        last_day="2026-09-20",
        new=new,
        closed=closed,
        elements={
            "patient_safety": 2,
            "bullying_harassment": 3,
            "attitudes_behaviours": 1,
            "worker_safety": 2,
            "other": 1,
            "": 0,
        },
        anonymous=2,  # B, D
        detriment=2,  # A, D
        sites={"Northtown": 4, "Southport": 2, "": 2},
        groups=groups,
        feedback={"yes": 1},
        # At the end of the week: A-F are 4 or 5 days old, G 19 days; H is closed.
        open_by_age=[6, 1, 0, 0],
        # B-F were due for acknowledgement by the end of Friday; G's update was due on 17 September.
        overdue={"ack": 5, "update": 1, "feedback": 0},
        # Acknowledged in the 13 weeks: G and H a day after raising, A at once; H closed
        # after 14 days. Too few to print (under ten), but counted.
        to_acknowledge=Timing(median_days=1.0, p90_days=1.0, cases=3),
        to_close=Timing(median_days=14.0, p90_days=14.0, cases=1),
        safeguarding=Safeguarding(
            raised=2,
            referred=1,
            referral_overdue=1,
            # S2, raised Thursday 10:00 UTC, was due for referral 24 hours later (safeguarding
            # runs on elapsed hours): overdue from Friday 10:00 to the week's end, Sunday 23:00.
            oldest_overdue_hours=61,
            awaiting_acknowledgement=1,
            closed_without_referral=0,
        ),
        undelivered=0,
        element_history={key: History(0, 0) for key in ELEMENTS},
        site_history={"Northtown": History(0, 0), "Southport": History(0, 0)},
    )


def test_weekly_digest_and_quarterly_return_match_a_hand_count(
    reporting: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = reporting
    references = raise_the_mix(harness, monkeypatch)
    policy = harness.context.policy

    with harness.context.db.transaction() as session:
        counted = count_week(session, policy, reported_week("2026-W38", policy.timezone))
    assert counted == hand_count()

    # The job: due on Monday 09:00 for the week that ended; a second run posts nothing more.
    job = leaders_digest_job(policy)
    period = job.schedule.latest(MONDAY_AFTER)
    assert period.key == "2026-W38"
    # The worker runs on the same clock as everything else: it is Monday morning now.
    at(harness, monkeypatch, MONDAY_AFTER)
    assert run_period(harness.context, job, period, owner="a", now=MONDAY_AFTER).ran
    tick(harness.context, [job], owner="b", now=MONDAY_AFTER)
    harness.settle(timeout=120)  # the chart is drawn by the worker (matplotlib is slow to load)
    posts = harness.emulator.messages_in(LEADERS_CHANNEL)
    digest = build_digest(hand_count(), digest_rules(policy))
    [message] = [m for m in posts if m.get("blocks")]
    text = json.dumps(message["blocks"], ensure_ascii=False)
    # By hand: "new this week" (6) is hidden too, or 8 raised minus 6 would give away the 2
    # raised two weeks before; the open total (7) stays, its small band hidden beside a "*".
    assert digest["this_week"] == {"new": "*", "closed": "<3", "open": "7"}
    assert [w["new"] for w in digest["trend"]][-3:] == ["<3", "0", "*"]
    assert [r["count"] for r in digest["open_by_age"]] == ["*", "<3", "0", "0"]
    assert "New: *   Closed: &lt;3   Open at the end of the week: *7*" in text
    assert "Raised in the 13 weeks: *8*" in text
    assert "• Bullying or harassment: *3*" in text
    assert "Referral overdue: *1* (oldest 2 days 13 hours past due)" in text
    assert "Awaiting the local authority's acknowledgement: *1*" in text
    for row in digest["elements"] + digest["sites"] + digest["open_by_age"] + digest["overdue"]:
        if row["count"] != "0":
            count = row["count"].replace("<", "&lt;")
            shown = f"*{count}*" if count[0].isdigit() else count
            assert f"{row['label']}: {shown}" in text
    [chart] = harness.emulator.uploaded_files(LEADERS_CHANNEL)
    assert chart.name == "leaders-digest-2026-W38.png"
    assert chart.content.startswith(b"\x89PNG")

    # The quarterly return for 2026/27 Q2, posted once on the first working day of Q3.
    at(harness, monkeypatch, FIRST_WORKING_DAY_OF_Q3)
    quarterly = quarterly_return_job(policy)
    for owner in ("a", "b"):
        tick(harness.context, [quarterly], owner=owner, now=FIRST_WORKING_DAY_OF_Q3)
    harness.settle()
    [upload] = harness.emulator.uploaded_files(GUARDIAN_CHANNEL)
    assert upload.name == "speakup-quarterly-return-2026-27-Q2.csv"
    header, row = list(csv.reader(io.StringIO(upload.content.decode())))
    expected = {
        "org_code": "RX9", "financial_year": "2026/27", "quarter": "Q2", "cases_total": "8",
        "cases_anonymous": "2", "element_patient_safety_quality": "2",
        "element_bullying_harassment": "3", "element_inappropriate_attitudes_behaviours": "1",
        "element_worker_safety_wellbeing": "2", "cases_detriment": "2",
        "group_allied_health_professionals": "2", "group_additional_clinical_services": "1",
        "group_administrative_clerical": "1", "group_estates_ancillary": "0",
        "group_medical_dental": "0", "group_nursing_midwifery_registered": "0",
        "group_students": "0", "group_volunteers": "0", "group_other": "0",
        "group_not_known": "4", "feedback_responses": "1", "feedback_yes": "1",
        "feedback_no": "0", "feedback_maybe": "0", "feedback_dont_know": "0",
    }  # fmt: skip
    assert dict(zip(header, row, strict=True)) == expected
    assert header == list(expected)

    # Nothing sent for leaders or the return names, quotes or identifies anyone.
    assert_nothing_identifies(harness, references)


def assert_nothing_identifies(harness: Harness, references: list[str]) -> None:
    with harness.context.db.transaction() as session:
        ids = set(session.scalars(select(Concern.id)))
    forbidden = [*references, *ids, REPORTER, *GUARDIANS, *SAFEGUARDING_MEMBERS, "zq-marker"]
    sent: list[str] = []
    for call in harness.emulator.calls:
        channel = str(call.params.get("channel") or call.params.get("channel_id") or "")
        if channel == LEADERS_CHANNEL or call.method.startswith("files."):
            sent.append(json.dumps(call.params, default=str))
    uploads = harness.emulator.uploaded_files()
    for upload in uploads:
        sent += [upload.content.decode("latin-1"), upload.name, upload.title, upload.alt_txt or ""]
    sent += [json.dumps(m) for m in harness.emulator.messages_in(LEADERS_CHANNEL)]
    assert len(uploads) == 2 and sent
    for text in sent:
        for word in forbidden:
            assert word not in text, word
