"""No channel message and no log line carries concern text or an anonymous reporter's id.

The tour raises every kind of concern in every identity mode, checks a receipt, replies,
and writes to the bot; then everything Slack received and every log line is searched.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import select

from storage.models import AuditEntry, ConcernEvent
from tests.support.card_forms import open_form
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    OTHER_STAFF,
    REPORTER,
    SAFEGUARDING_CHANNEL,
    SAFEGUARDING_MEMBERS,
    Harness,
)
from tests.support.journeys import NO_CONTACT_REPORTER, ask_via_card, press_on_receipt, secret
from tests.support.log_scrubber import log_text
from tests.support.raise_helpers import (
    channel_posts,
    command_answer,
    dm_welcome,
    open_home,
    raise_safeguarding,
    raise_via,
    reference_and_receipt,
    safeguarding_values,
    speak_up_values,
    wait_for_new_view,
)
from tests.support.raw_database import raw_database_text


def test_nothing_sent_to_channels_or_logged_identifies_or_quotes(
    harness: Harness,
    no_contact_logs: pytest.LogCaptureFixture,
    forbid_in_logs: Callable[..., None],
) -> None:
    # Also checked as each line is written, by every thread, tracebacks included.
    forbid_in_logs(OTHER_STAFF)
    secrets: list[str] = []
    for mode in ("open", "confidential", "anonymous_follow_up"):
        for kind in ("speak_up", "safeguarding"):
            text = secret(f"{mode}-{kind}")
            secrets.append(text)
            values = (
                safeguarding_values(text, mode, danger="yes", incident_number=text[:40])
                if kind == "safeguarding"
                else speak_up_values(
                    text, mode, location=text, raised_before=text, hoped_outcome=text
                )
            )
            raise_via(harness, safeguarding=kind == "safeguarding", values=values)
    for kind in ("speak_up", "safeguarding"):
        text = secret(f"nocontact-{kind}")
        secrets.append(text)
        values = (
            safeguarding_values(text, "anonymous_no_contact", danger="yes")
            if kind == "safeguarding"
            else speak_up_values(text, "anonymous_no_contact", location=text)
        )
        result = raise_via(
            harness, user=NO_CONTACT_REPORTER, safeguarding=kind == "safeguarding", values=values
        )
    reference, receipt = reference_and_receipt(result)
    forbid_in_logs(receipt, receipt.replace("-", ""))

    # The safeguarding team asks; the no-contact holder reads and answers by receipt.
    team = SAFEGUARDING_MEMBERS[0]
    question = secret("question")
    ask_via_card(harness, reference, question, asker=team, channel=SAFEGUARDING_CHANNEL, cards=4)
    page = command_answer(
        harness.workspace.slash_command(NO_CONTACT_REPORTER, "/speakup", f"status {receipt}")
    )
    assert question in json.dumps(page)
    button = next(e for b in page["blocks"] if b["type"] == "actions" for e in b["elements"])
    before = len(harness.emulator.opened_views())
    press_on_receipt(harness, NO_CONTACT_REPORTER, button["action_id"], button["value"])
    reply_form = wait_for_new_view(harness, NO_CONTACT_REPORTER, before)
    reply = secret("reply")
    secrets.append(reply)
    assert harness.submit(NO_CONTACT_REPORTER, reply_form, {"message": reply}).status == 200
    harness.workspace.slash_command(NO_CONTACT_REPORTER, "/speakup", "status ZZZZ-ZZZZ-ZZZZ-ZZZZ")

    # Others use the other ways in and look at their own things.
    dm = secret("dm")
    secrets.append(dm)
    harness.workspace.direct_message(REPORTER, dm)
    dm_welcome(harness, REPORTER)
    harness.workspace.slash_command(REPORTER, "/speakup", "status")
    open_home(harness, REPORTER)
    raise_via(harness, user=OTHER_STAFF, way="home")
    harness.settle()

    posts = channel_posts(harness)
    assert {p["channel"] for p in posts} >= {GUARDIAN_CHANNEL, SAFEGUARDING_CHANNEL}
    for post in posts:
        shown = json.dumps(post, ensure_ascii=False)
        for text in [*secrets, question]:
            assert text not in shown, "free text reached a channel"
        for reporter in (REPORTER, OTHER_STAFF, NO_CONTACT_REPORTER):
            assert reporter not in shown, "a reporter's id reached a channel"
        assert receipt not in shown

    # Nothing Slack received from the app names the no-contact reporter at all.
    for call in harness.emulator.calls:
        assert NO_CONTACT_REPORTER not in json.dumps(call.params)
        assert harness.emulator.im_channel_id(NO_CONTACT_REPORTER) not in json.dumps(call.params)

    logs = log_text(no_contact_logs)
    assert "raise.stored" in logs and "receipt.checked" in logs  # the capture works
    for text in [*secrets, question, receipt, receipt.replace("-", "")]:
        assert text not in logs, "free text or a receipt reached the logs"
    for reporter in (REPORTER, OTHER_STAFF, NO_CONTACT_REPORTER):
        assert reporter not in logs, "a reporter's id reached the logs"
    ring = harness.context.vault.ring
    for index in ring.blind_index_candidates(NO_CONTACT_REPORTER):
        assert index not in logs


# --- the referral's authority is typed free text: kept out of channels, audit and clear rows

SAFE = SAFEGUARDING_MEMBERS[0]


def test_referral_authority_free_text_stays_out_of_channels_and_audit(harness: Harness) -> None:
    reference = raise_safeguarding(harness)
    typed = "Northshire CC re Jamie Smith 14 Mill Rd"
    form = open_form(harness, SAFE, reference, "Record referral")
    answer = harness.workspace.submit_view(
        SAFE, form, {"authority": typed, "referral_reference": "NS-1"}
    )
    assert answer.status == 200 and answer.json() is None, answer.body
    harness.settle()

    posts = json.dumps(channel_posts(harness))
    with harness.context.db.transaction() as session:
        audit = json.dumps([e.detail for e in session.scalars(select(AuditEntry)).all()])
        summaries = " ".join(session.scalars(select(ConcernEvent.summary)).all())
    assert typed not in posts, "free text reached the safeguarding channel"
    assert typed not in audit, "free text reached the audit log"
    assert typed not in summaries, "free text stored in a clear timeline summary"
    assert typed not in raw_database_text(harness.context.db), "free text stored in clear"
