"""No channel message and no log line carries concern text or an anonymous reporter's id.

The tour raises every kind of concern in every identity mode, checks a receipt, replies,
and writes to the bot; then everything Slack received and every log line is searched.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from tests.harness import (
    GUARDIAN_CHANNEL,
    OTHER_STAFF,
    REPORTER,
    SAFEGUARDING_CHANNEL,
    SAFEGUARDING_MEMBERS,
    Harness,
)
from tests.raise_support import (
    channel_posts,
    command_answer,
    dm_welcome,
    open_home,
    raise_via,
    receipt_in,
    reference_in,
    safeguarding_values,
    speak_up_values,
    wait_for_new_view,
)

NO_CONTACT_REPORTER = "U0WHISTLE"


def _secret(label: str) -> str:
    return f"zq-secret-{label}-7731"


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


def test_nothing_sent_to_channels_or_logged_identifies_or_quotes(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
    forbid_in_logs: Callable[..., None],
) -> None:
    caplog.set_level(logging.DEBUG)
    # Also checked as each line is written, by every thread, tracebacks included.
    forbid_in_logs(NO_CONTACT_REPORTER, OTHER_STAFF)
    harness.emulator.add_user(NO_CONTACT_REPORTER, "Whistle Blower")
    secrets: list[str] = []
    for mode in ("open", "confidential", "anonymous_follow_up"):
        for kind in ("speak_up", "safeguarding"):
            text = _secret(f"{mode}-{kind}")
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
        text = _secret(f"nocontact-{kind}")
        secrets.append(text)
        values = (
            safeguarding_values(text, "anonymous_no_contact", danger="yes")
            if kind == "safeguarding"
            else speak_up_values(text, "anonymous_no_contact", location=text)
        )
        result = raise_via(
            harness, user=NO_CONTACT_REPORTER, safeguarding=kind == "safeguarding", values=values
        )
    reference, receipt = reference_in(result), receipt_in(result)
    forbid_in_logs(receipt, receipt.replace("-", ""))

    # The safeguarding team asks; the no-contact holder reads and answers by receipt.
    team = SAFEGUARDING_MEMBERS[0]
    assert harness.wait_for_cards(SAFEGUARDING_CHANNEL, 4)
    harness.settle()
    before = len(harness.emulator.opened_views())
    harness.click(team, reference, "Ask reporter")
    ask = wait_for_new_view(harness, team, before)
    question = _secret("question")
    assert harness.submit(team, ask, {"message": question}).json() is None
    page = command_answer(
        harness.workspace.slash_command(NO_CONTACT_REPORTER, "/speakup", f"status {receipt}")
    )
    assert question in json.dumps(page)
    button = next(e for b in page["blocks"] if b["type"] == "actions" for e in b["elements"])
    before = len(harness.emulator.opened_views())
    harness.workspace.click_button(
        NO_CONTACT_REPORTER,
        button["action_id"],
        value=button["value"],
        channel_id=harness.emulator.im_channel_id(NO_CONTACT_REPORTER),
    )
    reply_form = wait_for_new_view(harness, NO_CONTACT_REPORTER, before)
    reply = _secret("reply")
    secrets.append(reply)
    assert harness.submit(NO_CONTACT_REPORTER, reply_form, {"message": reply}).status == 200
    harness.workspace.slash_command(NO_CONTACT_REPORTER, "/speakup", "status ZZZZ-ZZZZ-ZZZZ-ZZZZ")

    # Others use the other ways in and look at their own things.
    dm = _secret("dm")
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

    logs = _log_text(caplog)
    assert "raise.stored" in logs and "receipt.checked" in logs  # the capture works
    for text in [*secrets, question, receipt, receipt.replace("-", "")]:
        assert text not in logs, "free text or a receipt reached the logs"
    for reporter in (REPORTER, OTHER_STAFF, NO_CONTACT_REPORTER):
        assert reporter not in logs, "a reporter's id reached the logs"
    ring = harness.context.vault.ring
    for index in ring.blind_index_candidates(NO_CONTACT_REPORTER):
        assert index not in logs
