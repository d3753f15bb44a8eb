"""Steps of the retention journeys: raise and close a concern on a chosen day, read its row,
and run the daily retention job ten years on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.jobs.retention import retention_job
from bot.jobs.runner import RunResult, new_owner, run_period
from storage.models import AuditEntry, Concern
from tests.support.harness import GUARDIANS, Harness
from tests.support.journeys import submit_form
from tests.support.raise_helpers import reference_in

G1, LEAD = GUARDIANS
RAISED = datetime(2016, 3, 8, 10, 0, tzinfo=UTC)
CLOSED = datetime(2016, 3, 10, 14, 0, tzinfo=UTC)  # due 11 March 2026, 00:00 GMT
TEN_YEARS_ON = datetime(2026, 3, 12, 4, 0, tzinfo=UTC)


def marker(label: str) -> str:
    return f"zq-retention-{label}-4417"


def at(harness: Harness, monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    monkeypatch.setattr(harness.context, "clock", lambda: when)


def raise_and_close(harness: Harness, monkeypatch: pytest.MonkeyPatch, label: str) -> str:
    at(harness, monkeypatch, RAISED)
    result = harness.raise_speak_up(description=marker(label), identity="confidential")
    reference = reference_in(result)
    harness.settle()
    harness.click(G1, reference, "Acknowledge")
    harness.settle()
    at(harness, monkeypatch, CLOSED)
    findings = {"outcome": "action_taken", "outcome_text": marker(f"{label}-findings")}
    submit_form(harness, G1, reference, "Close", findings)
    return reference


def row(harness: Harness, reference: str) -> Concern:
    with harness.context.db.transaction() as session:
        concern = session.scalars(select(Concern).where(Concern.reference == reference)).one()
        session.expunge(concern)
        return concern


def run_job(harness: Harness, now: datetime, owner: str | None = None) -> RunResult:
    job = retention_job(harness.context.policy)
    return run_period(
        harness.context, job, job.schedule.latest(now), owner=owner or new_owner(), now=now
    )


def audited(harness: Harness, action: str, reference: str) -> int:
    """How many audit entries of `action` the concern has."""
    with harness.context.db.transaction() as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    AuditEntry.action == action, AuditEntry.concern_reference == reference
                )
            )
            or 0
        )


def destructions(harness: Harness, reference: str) -> int:
    return audited(harness, "concern.content_destroyed", reference)
