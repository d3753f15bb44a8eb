"""Every view and message the raise experience sends stays inside Slack's limits.

One test tours every way in and every step (both forms, each identity, field errors, the
confirmation, status, the receipt page and its reply form, the Home tab) and checks every
view the emulator received; others push the builders to their extremes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.domain.taxonomy import ConcernKind, IdentityMode
from bot.flows.reporter_status import ConcernOverview
from bot.flows.timeline import TimelineEntry
from bot.slack import home
from bot.slack import receipt_page as receipt_views
from bot.slack.ids import Action
from bot.slack.raise_form import safeguarding_form, speak_up_form
from tests.support.block_kit_limits import block_problems, message_problems, view_problems
from tests.support.harness import (
    REPORTER,
    SAFEGUARDING_CHANNEL,
    SAFEGUARDING_MEMBERS,
    Harness,
    running_app,
)
from tests.support.journeys import ask_via_card, click_reply
from tests.support.raise_helpers import (
    WAYS_IN,
    command_answer,
    every_view_sent,
    open_raise_form,
    raise_via,
    reference_and_receipt,
    safeguarding_values,
    speak_up_values,
    switch_to_safeguarding,
    wait_for_new_view,
)


def test_the_checker_catches_what_slack_would_refuse() -> None:
    """The limit checks themselves must be able to fail."""
    bad_view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "A title that is far too long"},
        "private_metadata": "x" * 3001,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}]
        + [{"type": "divider"}] * 100,
    }
    problems = view_problems(bad_view)
    assert len(problems) == 4
    options = [{"text": {"type": "plain_text", "text": "o" * 76}, "value": "v"}] * 101
    select = {"type": "input", "element": {"type": "static_select", "options": options}}
    assert len(block_problems([select], "x")) == 102


def test_every_view_and_message_of_the_raise_experience_is_within_limits(
    harness: Harness,
) -> None:
    long_text = "Ω" * 3000
    messages: list[dict[str, Any]] = []
    for way in WAYS_IN:
        view = open_raise_form(harness, way)
        harness.submit(REPORTER, view, {"description": long_text + "!"})  # field errors
        harness.submit(REPORTER, view, speak_up_values(long_text, "open"))
    for mode in IdentityMode:
        raise_via(harness, values=speak_up_values(identity=mode.value))
        raise_via(harness, safeguarding=True, values=safeguarding_values(identity=mode.value))
    no_contact = raise_via(
        harness,
        safeguarding=True,
        values=safeguarding_values(long_text, "anonymous_no_contact", danger="yes"),
    )
    reference, receipt = reference_and_receipt(no_contact)

    # The safeguarding team asks the longest question; the holder reads it and replies.
    ask_via_card(
        harness,
        reference,
        "?" * 2000,
        asker=SAFEGUARDING_MEMBERS[0],
        channel=SAFEGUARDING_CHANNEL,
    )
    page = command_answer(
        harness.workspace.slash_command(REPORTER, "/speakup", "status " + receipt)
    )
    messages.append(page)
    value = next(
        e["value"]
        for b in page["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == Action.RECEIPT_REPLY
    )
    before = len(harness.emulator.opened_views())
    click_reply(harness, REPORTER, value)
    reply = wait_for_new_view(harness, REPORTER, before)
    harness.submit(REPORTER, reply, {"message": "x" * 2000})
    messages.append(command_answer(harness.workspace.slash_command(REPORTER, "/speakup", "status")))
    messages.append(command_answer(harness.workspace.slash_command(REPORTER, "/speakup", "help")))
    view = switch_to_safeguarding(harness, open_raise_form(harness, "command"), REPORTER)
    harness.submit(REPORTER, view, {"identity": "open"})
    harness.settle()
    messages += [c.params for c in harness.emulator.calls_to("chat.postMessage")]
    messages += [c.params for c in harness.emulator.calls_to("chat.postEphemeral")]

    views = every_view_sent(harness)
    kinds = {v.get("callback_id") or v.get("type") for v in views}
    assert {"raise_speak_up", "raise_safeguarding", "receipt_reply", "home"} <= kinds
    assert len(views) > 25
    problems = [p for v in views for p in view_problems(v)]
    problems += [p for m in messages for p in message_problems(m)]
    assert problems == []


def _entry(number: int, body: str | None) -> TimelineEntry:
    return TimelineEntry(
        at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=number),
        kind="question" if body else "acknowledge",
        actor_role="guardian",
        actor_id=None,
        summary="S" * 200,
        body=body,
        visible_to_reporter=True,
    )


def _overview(number: int, events: int, body: str | None) -> ConcernOverview:
    return ConcernOverview(
        concern_id=f"id-{number}",
        reference=f"SU-{number:06d}",
        kind=ConcernKind.SPEAK_UP,
        identity_mode=IdentityMode.ANONYMOUS_FOLLOW_UP,
        status="in_progress",
        status_label="Awaiting information",
        raised_at=datetime(2026, 1, 1, tzinfo=UTC),
        last_update_at=datetime(2026, 1, 2, tzinfo=UTC),
        last_update="S" * 200,
        timeline=tuple(_entry(i, body) for i in range(events)),
    )


def test_the_builders_stay_within_limits_at_their_extremes() -> None:
    many = [_overview(n, 60, "<!channel> " + "b" * 3000) for n in range(40)]
    assert view_problems(home.home_view(many)) == []
    page = receipt_views.receipt_page(many[0], "p" * 1500)
    assert message_problems({"blocks": page.blocks}) == []
    assert "<!channel>" not in json.dumps(page.blocks)  # typed text cannot ping anyone
    assert message_problems({"blocks": receipt_views.my_concerns_message(many).blocks}) == []
    reply = receipt_views.reply_modal("SU-000001", "q" * 3000, "m" * 2900)
    assert view_problems(reply) == []
    sites = [f"Site {n} " + "x" * (n % 90) for n in range(150)]
    assert view_problems(speak_up_form(sites=sites, metadata="m" * 2000)) == []
    assert view_problems(safeguarding_form(metadata="m" * 2000)) == []


def test_long_site_names_are_left_out_of_the_form_not_broken(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sites.db'}"
    sites = ["Northtown", "N" * 80, "Northtown", *[f"Station {n}" for n in range(120)]]
    with running_app(url, speakup_sites=sites) as harness:
        view = open_raise_form(harness, "command")
        site = next(b for b in view["blocks"] if b.get("block_id") == "site")
        values = [o["value"] for o in site["element"]["options"]]
        assert len(values) == 100 and values[0] == "Northtown" and "N" * 80 not in values
        assert view_problems(view) == []
