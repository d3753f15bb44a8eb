"""`speakup keys rotate` and `speakup keys status`: rotate, drop the old key, and every concern,
note and message still opens, and a reporter's "my concerns" still finds theirs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain.clock import utcnow
from storage.audit_check import verify
from storage.crypto import KeyRing
from storage.db import Database
from storage.models import AuditEntry, Concern
from storage.rotation import key_status, rotate
from tests.harness import GUARDIAN_CHANNEL, GUARDIANS, KEY_A, KEY_B, REPORTER, Harness, running_app
from tests.raise_support import (
    raise_via,
    receipt_in,
    reference_in,
    speak_up_values,
    wait_for_new_view,
)
from tests.test_cli import run_speakup
from tests.test_status_and_home import ask_via_card, click_reply, reply_button, shown, status
from tests.test_triage import raised, submit_form

G1 = GUARDIANS[0]


def concern_ids(harness: Harness) -> dict[str, str]:
    with harness.context.db.transaction() as session:
        return {ref: id_ for ref, id_ in session.execute(select(Concern.reference, Concern.id))}


def open_details(harness: Harness, concern_id: str) -> str:
    """Press View details as a guardian (by the button's value: this app never posted the
    card) and return what the modal showed once it had loaded."""
    before = len(harness.emulator.opened_views())
    harness.workspace.click_button(
        G1, "view_details", value=concern_id, channel_id=GUARDIAN_CHANNEL
    )

    def loaded() -> bool:
        return any(
            "Opening" not in json.dumps(v.view) for v in harness.emulator.opened_views()[before:]
        )

    assert harness.emulator.wait_for(loaded, 5), harness.ephemerals(G1)
    return json.dumps(
        [v.view for v in harness.emulator.opened_views()[before:]], ensure_ascii=False
    )


def test_rotate_then_remove_the_old_key_and_everything_still_opens(
    database_url: str, tmp_path: Path
) -> None:
    with running_app(database_url) as first:  # the ring holds KEY_A only
        open_ref = raised(first, identity="open", description="Open words about the rota")
        follow = reference_in(
            raise_via(first, values=speak_up_values("Follow-up words", "anonymous_follow_up"))
        )
        result = raise_via(
            first, values=speak_up_values("No-contact words", "anonymous_no_contact")
        )
        no_contact, receipt = reference_in(result), receipt_in(result)
        first.settle()
        assert submit_form(first, G1, open_ref, "Add note", {"note": "A sealed note"}) is None
        ask_via_card(first, open_ref, "Which nights were these?")
        ask_via_card(first, no_contact, "Which ward was it?")
        page = status(first, REPORTER, receipt)
        before = len(first.emulator.opened_views())
        click_reply(first, REPORTER, reply_button(page)["value"])
        form = wait_for_new_view(first, REPORTER, before)
        assert first.submit(REPORTER, form, {"message": "Ward seven"}).status == 200
        first.settle()
        ids = concern_ids(first)

    both = {"DATABASE_URL": database_url, "SPEAKUP_ENCRYPTION_KEYS": f"{KEY_B},{KEY_A}"}
    status_before = run_speakup("keys", "status", env=both, cwd=tmp_path)
    assert status_before.returncode == 0, status_before.stderr
    assert "key 1 (id" in status_before.stdout and ": 0 data keys" in status_before.stdout
    assert "key 2 is still needed" in status_before.stdout

    rotated = run_speakup("keys", "rotate", "--batch", "2", env=both, cwd=tmp_path)
    assert rotated.returncode == 0, rotated.stderr
    assert "rotated 2/3 concerns" in rotated.stdout and "rotated 3/3 concerns" in rotated.stdout
    status_after = run_speakup("keys", "status", env=both, cwd=tmp_path)
    assert (
        "key 1 (id" in status_after.stdout
        and ": 3 data keys, 2 blind indexes" in status_after.stdout
    )
    assert "key 2 can be removed" in status_after.stdout

    only_new = {"DATABASE_URL": database_url, "SPEAKUP_ENCRYPTION_KEYS": KEY_B}
    verified = run_speakup("audit", "verify", env=only_new, cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    with running_app(database_url, speakup_encryption_keys=KEY_B) as second:
        details = open_details(second, ids[open_ref])
        assert "Open words about the rota" in details and "Riley Reporter" in details
        assert "A sealed note" in details and "Which nights were these?" in details
        assert "Follow-up words" in open_details(second, ids[follow])
        no_contact_details = open_details(second, ids[no_contact])
        assert "No-contact words" in no_contact_details and "Ward seven" in no_contact_details

        mine = shown(status(second, REPORTER))
        assert open_ref in mine and follow in mine and no_contact not in mine
        page_text = shown(status(second, REPORTER, receipt))
        assert "Which ward was it?" in page_text and "Ward seven" in page_text


def test_rotation_can_be_interrupted_and_run_again(harness: Harness) -> None:
    for number in range(3):
        raised(harness, identity="confidential", description=f"Concern number {number}")
    both = KeyRing.from_config(f"{KEY_B},{KEY_A}")
    db = Database(harness.context.db.url, ring=both)
    try:

        def stop_after_the_first_batch(done: int, total: int) -> None:
            raise KeyboardInterrupt  # the operator's Ctrl-C, between two batches

        with pytest.raises(KeyboardInterrupt):
            rotate(db, both, now=utcnow, batch_size=1, progress=stop_after_the_first_batch)
        with db.transaction() as session:
            uses = key_status(session, both).keys
        assert [(u.data_keys, u.blind_indexes) for u in uses] == [(1, 1), (2, 2)]

        seen: list[tuple[int, int]] = []
        report = rotate(
            db, both, now=utcnow, batch_size=1, progress=lambda d, t: seen.append((d, t))
        )
        assert report.rotated == 2 and seen == [(1, 2), (2, 2)]
        with db.transaction() as session:
            state = key_status(session, both)
            assert [(u.data_keys, u.blind_indexes) for u in state.keys] == [(3, 3), (0, 0)]
            assert state.keys[1].removable and state.sealed_old_way == 0
            assert verify(session, KeyRing.from_config(KEY_B)).ok
            actions = session.scalars(select(AuditEntry.action)).all()
        assert actions.count("keys.rotated") == 1  # the interrupted run never finished
        assert rotate(db, both, now=utcnow).rotated == 0  # nothing left to do
    finally:
        db.dispose()


def test_a_tampered_concern_is_left_alone_and_reported_by_rotate(
    harness: Harness, tmp_path: Path
) -> None:
    reference = raised(harness, identity="anonymous_follow_up")
    with harness.context.db.engine.begin() as connection:
        connection.execute(
            Concern.__table__.update()
            .where(Concern.__table__.c.reference == reference)
            .values(identity_mode="open")
        )
    env = {"DATABASE_URL": harness.context.db.url, "SPEAKUP_ENCRYPTION_KEYS": f"{KEY_B},{KEY_A}"}
    result = run_speakup("keys", "rotate", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert reference in result.stderr and "integrity check" in result.stderr
    with harness.context.db.transaction() as session:
        row = session.scalars(select(Concern).where(Concern.reference == reference)).one()
        assert row.key_id == KeyRing.from_config(KEY_A).newest_id  # not blessed under the new key
        audited = session.scalars(
            select(AuditEntry.concern_reference).where(AuditEntry.action == "integrity.failed")
        ).all()
    assert audited == [reference]
