"""A listener that fails: the person is told privately, nothing leaks into the logs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from bot.runtime.logs import log_formatter
from tests.harness import GUARDIANS, Harness

G1 = GUARDIANS[0]
SECRET = "Nightshift rota falsified MARKER-7731"


def _raised(harness: Harness) -> str:
    result = harness.raise_speak_up(description=SECRET, identity="open")
    assert result.json()["response_action"] == "update", result.body
    harness.settle()
    return harness.latest_reference()


def _break_the_timeline(harness: Harness) -> None:
    # A real database failure, as when a disk fills or a table is locked: the next write to
    # the timeline fails inside the flow, after the concern was found.
    with harness.context.db.transaction() as session:
        session.execute(text("ALTER TABLE concern_events RENAME TO concern_events_gone"))


def _rendered(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every captured record as the service writes it (one JSON object a line)."""
    formatter = log_formatter(json=True)
    return [formatter.format(record) for record in caplog.records]


def _log_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    lines = []
    for line in _rendered(caplog):
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def test_a_failing_button_tells_the_person_and_logs_type_and_reference_only(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    reference = _raised(harness)
    _break_the_timeline(harness)
    harness.click(G1, reference, "Acknowledge")
    assert harness.emulator.wait_for(
        lambda: any("Something went wrong" in t for t in harness.ephemerals(G1)), 10
    )
    failures = [line for line in _log_lines(caplog) if line.get("event") == "listener.failed"]
    assert failures, "the failure was not logged"
    assert failures[0]["reference"] == reference
    assert failures[0]["surface"] == "block_actions"
    assert failures[0]["error"] in ("OperationalError", "ProgrammingError")
    everything = "\n".join(_rendered(caplog))
    assert SECRET not in everything
    assert "concern_events" not in everything, "a database error's text reached the logs"


def test_a_failing_form_submission_keeps_the_form_and_says_try_again(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    reference = _raised(harness)
    harness.click(G1, reference, "Acknowledge")
    harness.settle()
    before = len(harness.emulator.opened_views())
    harness.click(G1, reference, "Add note")
    view = harness.next_view(G1, before)
    _break_the_timeline(harness)
    answer = harness.workspace.submit_view(G1, view, {"note": "Spoke to the rota manager"})
    assert answer.status == 200
    body = answer.json()
    assert body["response_action"] == "push"
    assert "Nothing you sent was lost" in json.dumps(body["view"])
    assert "Spoke to the rota manager" not in "\n".join(_rendered(caplog))
