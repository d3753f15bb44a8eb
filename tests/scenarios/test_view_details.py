"""View details never hangs on "Opening…": whatever Slack answers, the guardian sees the
details, a plain word about why not, or (when Slack takes nothing at all) the log says so.
The showing is audited once Slack has answered for it, and what the reporter typed shows as
text, never as a live link."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select, update

from bot.runtime.logs import log_formatter
from bot.slack.details import NAME_UNAVAILABLE
from storage.models import AuditEntry, Concern
from tests.support.harness import GUARDIANS, Harness

G1 = GUARDIANS[0]
# How the service writes each record: one JSON object a line.
SERVICE_FORMAT = log_formatter(json=True)


def raised(harness: Harness) -> str:
    result = harness.raise_speak_up(identity="open")
    assert result.json()["response_action"] == "update", result.body
    harness.settle()
    return harness.latest_reference()


def audit_actions(harness: Harness, reference: str) -> list[tuple[str, dict[str, str]]]:
    with harness.context.db.transaction() as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.concern_reference == reference)
            .where(AuditEntry.action.like("concern.view%"))
            .order_by(AuditEntry.seq)
        ).all()
        return [(row.action, dict(row.detail)) for row in rows]


def details_shown(harness: Harness, before: int, text: str, timeout: float = 6.0) -> str:
    """The JSON of the details modal once it shows `text`."""

    def found() -> bool:
        return any(text in json.dumps(v.view) for v in harness.emulator.opened_views()[before:])

    assert harness.emulator.wait_for(found, timeout), "details never shown"
    return next(
        json.dumps(v.view)
        for v in harness.emulator.opened_views()[before:]
        if text in json.dumps(v.view)
    )


def test_details_show_the_reporters_name_and_are_audited_once_shown(harness: Harness) -> None:
    reference = raised(harness)
    before = len(harness.emulator.opened_views())
    harness.click(G1, reference, "View details")
    shown = details_shown(harness, before, "Riley Reporter")
    assert "Opening" not in shown
    harness.settle()
    assert audit_actions(harness, reference) == [("concern.viewed", {})]


@pytest.mark.parametrize(
    "fault",
    [
        {"error": "user_not_visible"},
        {"error": "user_not_found"},
        {"status": 429},
        {"status": 503},
        {"hang": True},
    ],
    ids=["not_visible", "not_found", "rate_limited", "slack_error", "timeout"],
)
def test_a_name_slack_will_not_give_shows_as_unavailable(
    harness: Harness, fault: dict[str, object]
) -> None:
    reference = raised(harness)
    if fault.get("hang"):
        harness.emulator.set_outage("hang", methods=["users.info"], hang_seconds=10)
    elif "error" in fault:
        harness.emulator.fail_next("users.info", 1, error=str(fault["error"]))
    else:
        harness.emulator.fail_next("users.info", 1, status=int(str(fault["status"])))
    before = len(harness.emulator.opened_views())
    harness.click(G1, reference, "View details")
    shown = details_shown(harness, before, NAME_UNAVAILABLE)
    harness.emulator.set_outage(None)
    assert "Riley Reporter" not in shown
    assert "night shift" in shown  # the details themselves are there
    harness.settle()
    assert audit_actions(harness, reference) == [("concern.viewed", {})]


def test_a_modal_slack_will_not_open_gets_a_private_word_and_no_audit(harness: Harness) -> None:
    reference = raised(harness)
    harness.emulator.fail_next("views.open", 1, error="expired_trigger_id")
    harness.click(G1, reference, "View details")
    assert harness.emulator.wait_for(
        lambda: any(
            reference in text and "Please press View details again" in text
            for text in harness.ephemerals(G1)
        ),
        5,
    )
    harness.settle()
    assert audit_actions(harness, reference) == []


def test_details_slack_would_not_show_are_audited_as_a_failed_view(harness: Harness) -> None:
    reference = raised(harness)
    harness.emulator.fail_next("views.update", 1, error="not_found")
    harness.click(G1, reference, "View details")
    assert harness.emulator.wait_for(
        lambda: any("could not show the details" in t for t in harness.ephemerals(G1)), 5
    )
    harness.settle()
    assert audit_actions(harness, reference) == [("concern.view_failed", {"error": "not_found"})]


def test_when_slack_takes_nothing_the_log_names_the_concern(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    reference = raised(harness)
    harness.emulator.set_outage("hang", methods=["views.open", "chat.postEphemeral"])
    result = harness.click(G1, reference, "View details")
    assert result.elapsed < 1.0
    assert harness.emulator.wait_for(
        lambda: any("details.person_not_told" in SERVICE_FORMAT.format(r) for r in caplog.records),
        8,
    )
    harness.emulator.set_outage(None)
    line = next(
        SERVICE_FORMAT.format(r)
        for r in caplog.records
        if "details.person_not_told" in SERVICE_FORMAT.format(r)
    )
    assert json.loads(line)["reference"] == reference
    assert audit_actions(harness, reference) == []


def test_details_that_cannot_be_read_say_so_in_the_modal(harness: Harness) -> None:
    reference = raised(harness)
    with harness.context.db.transaction() as session:
        session.execute(
            update(Concern)
            .where(Concern.reference == reference)
            .values(report_enc=b"\x01not a ciphertext")
            .execution_options(synchronize_session=False)
        )
    before = len(harness.emulator.opened_views())
    harness.click(G1, reference, "View details")
    details_shown(harness, before, "could not be opened")
    harness.settle()
    assert audit_actions(harness, reference) == []


# --- the reporter's typed text is not live mrkdwn for guardians ---------------------------


def test_typed_text_cannot_plant_links_in_the_details_view(harness: Harness) -> None:
    planted = "<https://evil.example/login|Trust intranet: confirm your account>"
    result = harness.raise_speak_up(description="Rota worry " + planted)
    assert result.json()["response_action"] == "update"
    harness.settle()
    reference = harness.latest_reference()
    before = len(harness.emulator.opened_views())
    harness.click(G1, reference, "View details")

    def shown() -> str:
        return json.dumps([c.params for c in harness.emulator.calls_to("views.update")])

    assert harness.emulator.wait_for(lambda: "Rota worry" in shown(), 5)
    assert len(harness.emulator.opened_views()) > before
    assert planted not in shown()
