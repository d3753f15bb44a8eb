"""Subject access: a reporter's own concerns and messages, never anonymous ones."""

from __future__ import annotations

import json

from bot.domain.clock import utcnow
from bot.flows.subject_access import ANONYMOUS_NOTE, export_reporter
from storage.models import AuditEntry
from tests.harness import REPORTER, Harness


def test_export_holds_open_and_confidential_concerns_and_their_messages(harness: Harness) -> None:
    harness.raise_speak_up(description="Rota leaves one paramedic alone", identity="open")
    harness.raise_speak_up(description="Kept confidential please", identity="confidential")
    harness.raise_speak_up(description="Anonymous worry ANON-MARK", identity="anonymous_follow_up")
    harness.settle()
    with harness.context.db.transaction() as session:
        export = export_reporter(
            session, harness.context.vault, REPORTER, requested_by="UDPO", now=utcnow()
        )
    assert len(export.concerns) == 2
    assert {c.identity_mode for c in export.concerns} == {"Open", "Confidential"}
    as_json = json.dumps(export.as_json())
    assert "Rota leaves one paramedic alone" in as_json
    assert "Kept confidential please" in as_json
    assert "ANON-MARK" not in as_json and "ANON-MARK" not in export.as_text()
    assert ANONYMOUS_NOTE in export.as_text()
    assert export.concerns[0].messages[0].summary.startswith("Concern raised")
    with harness.context.db.transaction() as session:
        exported = session.query(AuditEntry).filter_by(action="concern.subject_access_export")
        assert exported.count() == 2


def test_nobody_else_is_found_under_a_reporters_id(harness: Harness) -> None:
    harness.raise_speak_up(identity="open")
    harness.settle()
    with harness.context.db.transaction() as session:
        export = export_reporter(
            session, harness.context.vault, "U0NOBODY", requested_by="UDPO", now=utcnow()
        )
    assert export.concerns == []
    assert "No open or confidential concerns" in export.as_text()
