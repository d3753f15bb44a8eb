"""Retention over signed HTTP: guardians close concerns, a lead places a legal hold from
Slack, and ten years on the daily job destroys what is due. A copy of the database taken
before the job can no longer open it (its month's shred key is gone), the returns still
count it, the held concern stays readable, and the job runs once whatever happens."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from bot.domain.reporting_week import reported_week
from bot.flows.leaders_digest import count_week
from bot.flows.quarterly_return import quarterly_csv
from bot.jobs.retention import retention_job
from bot.jobs.runner import RunResult, run_period
from storage.db import Database
from storage.models import AuditEntry, Concern, ConcernEvent
from storage.vault import ContentDestroyed
from tests.support.harness import Harness
from tests.support.journeys import submit_form
from tests.support.raise_helpers import (
    command_answer,
    raise_via,
    receipt_in,
    reference_in,
    speak_up_values,
)
from tests.support.retention import (
    CLOSED,
    G1,
    LEAD,
    RAISED,
    TEN_YEARS_ON,
    at,
    destructions,
    marker,
    raise_and_close,
    row,
    run_job,
)


def command(harness: Harness, user: str, text: str) -> str:
    answer = command_answer(harness.workspace.slash_command(user, "/speakup", text))
    harness.settle()
    return str(answer.get("text", ""))


def copy_of_database(harness: Harness, tmp_path: Path) -> Callable[[str], Concern]:
    """A copy of the database as it stands: the SQLite file itself, or (PostgreSQL) every
    column of every concern row. Returns how to read a concern back from the copy."""
    url = harness.context.settings.database_url
    if url.startswith("sqlite"):
        copy = tmp_path / "copy-taken-before.db"
        with sqlite3.connect(str(make_url(url).database)) as live, sqlite3.connect(copy) as dst:
            live.backup(dst)
        copied = Database(f"sqlite:///{copy}")

        def from_file(reference: str) -> Concern:
            with copied.transaction() as session:
                concern = session.scalars(
                    select(Concern).where(Concern.reference == reference)
                ).one()
                session.expunge(concern)
                return concern

        return from_file
    with harness.context.db.transaction() as session:
        columns = [c.key for c in inspect(Concern).mapper.column_attrs]
        saved = {
            concern.reference: {name: getattr(concern, name) for name in columns}
            for concern in session.scalars(select(Concern))
        }
    return lambda reference: Concern(**saved[reference])


def opened_report(harness: Harness, concern: Concern) -> str:
    vault = harness.context.vault
    data_key = vault.concern_key(concern)
    report = vault.open_json(
        data_key, concern.report_enc, table="concerns", row_id=concern.id, field="report"
    )
    return json.dumps(report)


def details_text(harness: Harness, reference: str, expect: str) -> str:
    before = len(harness.emulator.opened_views())
    harness.click(G1, reference, "View details")
    harness.settle()

    def shown() -> bool:
        return any(expect in json.dumps(v.view) for v in harness.emulator.opened_views()[before:])

    assert harness.emulator.wait_for(shown, 6.0), f"{expect!r} never shown"
    return json.dumps([v.view for v in harness.emulator.opened_views()[before:]])


def figures(harness: Harness) -> tuple[str, object]:
    policy = harness.context.policy
    with harness.context.db.transaction() as session:
        return (
            quarterly_csv(session, policy, "2015/16", 4),
            count_week(session, policy, reported_week("2016-W10", policy.timezone)),
        )


def test_content_past_its_period_is_gone_even_from_a_copy_taken_before(
    team: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    due = raise_and_close(team, monkeypatch, "due")
    held = raise_and_close(team, monkeypatch, "held")
    shreds = team.context.vault.shreds
    assert shreds is not None
    # Closed: each data key is wrapped under March 2026's shred key as well as the ring.
    assert row(team, due).shred_month == row(team, held).shred_month == "2026-03"
    assert shreds.months() == ["2026-03"]

    # Only a lead may hold; a guardian who is not a lead is refused and nothing changes.
    refused = command(team, G1, f"hold {due}")
    assert "Only the guardian leads" in refused
    assert row(team, due).legal_hold_at is None
    said = command(team, LEAD, f"hold {held.lower()}")
    assert f"Legal hold placed on {held}" in said
    assert row(team, held).legal_hold_by == LEAD
    assert row(team, held).shred_month is None  # back under the ring alone
    channel = team.context.router.guardian_channel
    thread = json.dumps(team.emulator.thread_replies(channel, team.card_for(held)["ts"]))
    assert f"<@{LEAD}> placed a legal hold on this concern." in thread
    assert marker("held") not in thread

    copy = copy_of_database(team, tmp_path)
    assert marker("due") in opened_report(team, copy(due))  # the copy opens, for now
    before = figures(team)

    # Two runners at once, ten years on: one destroys, the other finds the day taken.
    results: list[RunResult] = []
    runners = [
        threading.Thread(target=lambda: results.append(run_job(team, TEN_YEARS_ON)))
        for _ in range(2)
    ]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert sorted(result.ran for result in results) == [False, True]
    assert run_job(team, TEN_YEARS_ON + timedelta(hours=1)).ran is False

    gone = row(team, due)
    assert gone.destroyed_at == TEN_YEARS_ON and gone.wrapped_key == b""
    assert gone.report_enc == b"" and gone.reporter_enc is None and gone.reporter_index is None
    with team.context.db.transaction() as session:
        bodies = session.scalars(
            select(ConcernEvent.body_enc).where(ConcernEvent.concern_id == gone.id)
        ).all()
    assert bodies and all(body is None for body in bodies)
    assert destructions(team, due) == 1 and destructions(team, held) == 0
    assert shreds.months() == []  # March 2026's key file is deleted

    # The copy taken before still holds the wrapped key, but its shred key no longer exists.
    with pytest.raises(ContentDestroyed) as destroyed:
        team.context.vault.concern_key(copy(due))
    assert destroyed.value.key_file_missing

    assert figures(team) == before  # the returns count it as they did
    shown = details_text(team, due, "Details destroyed")
    assert marker("due") not in shown and marker("due-findings") not in shown
    assert "Details destroyed at the end of the retention period" in shown
    kept = details_text(team, held, marker("held"))
    assert "Legal hold" in kept

    # Lifted, the held concern goes at the next run: it is long past its period.
    assert "Legal hold lifted" in command(team, LEAD, f"release {held}")
    assert run_job(team, TEN_YEARS_ON + timedelta(days=1)).ran
    assert row(team, held).destroyed_at is not None and destructions(team, held) == 1
    with team.context.db.transaction() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.concern_reference == held)
        ).all()
    assert "concern.legal_hold_set" in actions and "concern.legal_hold_lifted" in actions
    assert "Nothing" not in json.dumps(actions)


def test_a_run_that_dies_midway_destroys_nothing_and_the_next_run_does_it_once(
    team: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = raise_and_close(team, monkeypatch, "first")
    second = raise_and_close(team, monkeypatch, "second")
    shreds = team.context.vault.shreds
    assert shreds is not None
    job = retention_job(team.context.policy)
    period = job.schedule.latest(TEN_YEARS_ON)

    def dies_after_the_work(*args: Any) -> str:
        job.work(*args)
        raise RuntimeError("the process was killed")

    dying = type(job)(name=job.name, schedule=job.schedule, work=dies_after_the_work)
    with pytest.raises(RuntimeError):
        run_period(team.context, dying, period, owner="dies", now=TEN_YEARS_ON)
    assert row(team, first).destroyed_at is None and row(team, second).destroyed_at is None
    assert shreds.months() == ["2026-03"]  # the key is deleted only after a commit
    assert marker("first") in opened_report(team, row(team, first))

    # Within the lease nobody else takes the day; after it, the next tick does, once.
    assert run_job(team, TEN_YEARS_ON + timedelta(minutes=1)).ran is False
    later = TEN_YEARS_ON + team.context.policy.job_lease + timedelta(minutes=1)
    assert run_job(team, later).ran
    assert destructions(team, first) == destructions(team, second) == 1
    assert shreds.months() == []


def test_a_concern_reopened_before_its_time_goes_back_under_the_ring(
    team: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = raise_and_close(team, monkeypatch, "reopened")
    assert row(team, reference).shred_month == "2026-03"
    at(team, monkeypatch, CLOSED + timedelta(days=2))
    team.click(G1, reference, "Reopen")
    team.settle()
    assert row(team, reference).shred_month is None
    assert run_job(team, TEN_YEARS_ON).ran
    assert row(team, reference).destroyed_at is None  # open concerns are never due
    assert marker("reopened") in opened_report(team, row(team, reference))
    shutil.rmtree(team.context.settings.shred_key_dir(), ignore_errors=True)
    assert marker("reopened") in opened_report(team, row(team, reference))


def test_a_no_contact_reporter_with_their_receipt_learns_the_details_are_no_longer_held(
    team: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(team, monkeypatch, RAISED)
    result = raise_via(team, values=speak_up_values(marker("nc"), "anonymous_no_contact"))
    reference, receipt = reference_in(result), receipt_in(result)
    team.settle()
    team.click(G1, reference, "Acknowledge")
    team.settle()
    at(team, monkeypatch, CLOSED)
    findings = {"outcome": "not_upheld", "outcome_text": marker("nc-findings")}
    submit_form(team, G1, reference, "Close", findings)
    before = json.dumps(command_answer(team.workspace.slash_command(
        "U0WHISTLE", "/speakup", f"status {receipt}")))  # fmt: skip
    assert "no longer held" not in before and "Closed" in before

    at(team, monkeypatch, TEN_YEARS_ON)
    assert run_job(team, TEN_YEARS_ON).ran
    answer = json.dumps(
        command_answer(team.workspace.slash_command("U0WHISTLE", "/speakup", f"status {receipt}"))
    )
    assert "Closed; details no longer held" in answer
    assert marker("nc") not in answer and marker("nc-findings") not in answer
