"""The safeguarding lane: its questions, 999 first, the urgent post first, separate routing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.domain.routing import Router, RoutingError
from bot.runtime.bolt_app import build_web_client
from bot.slack.delivery import OutboxWorker
from storage.models import Concern, OutboxItem
from tests.support.card_forms import open_form
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    REPORTER,
    SAFEGUARDING_CHANNEL,
    SAFEGUARDING_GROUP,
    SAFEGUARDING_MEMBERS,
    Harness,
    running_app,
)
from tests.support.raise_helpers import (
    JUST_AFTER_MIDNIGHT_BST,
    concern_by_reference,
    confirmation_text,
    open_raise_form,
    raise_safeguarding,
    raise_via,
    reference_in,
    safeguarding_values,
    speak_up_values,
    switch_to_safeguarding,
)
from tests.support.raw_database import raw_database_text


def test_the_safeguarding_form_asks_what_the_lane_needs(harness: Harness) -> None:
    view = switch_to_safeguarding(harness, open_raise_form(harness, "command"), REPORTER)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert {"at_risk", "immediate_danger", "location", "incident_number", "description"} <= set(
        blocks
    )
    at_risk = [o["value"] for o in blocks["at_risk"]["element"]["options"]]
    assert at_risk == ["adult", "child", "both", "unsure"]
    assert blocks["incident_number"].get("optional") is True
    assert "999" in json.dumps(view["blocks"][0])


def test_missing_safeguarding_answers_are_errors_on_their_own_blocks(harness: Harness) -> None:
    view = switch_to_safeguarding(harness, open_raise_form(harness, "command"), REPORTER)
    result = harness.submit(REPORTER, view, {"identity": "open"})
    answer = result.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"at_risk", "immediate_danger", "location", "description"}
    with harness.context.db.transaction() as session:
        assert session.scalar(select(func.count(Concern.id))) == 0


def test_immediate_danger_says_999_first_and_alerts_the_team_at_once(harness: Harness) -> None:
    secret = "Man with a knife outside the children's ward"
    result = raise_via(
        harness,
        safeguarding=True,
        values=safeguarding_values(secret, danger="yes", incident_number="CAD-4471"),
    )
    assert result.elapsed < 3.0
    view = result.json()["view"]
    first = view["blocks"][0]["text"]["text"]
    assert "Call 999 now" in first
    reference = reference_in(result)
    assert concern_by_reference(harness, reference).urgent

    assert harness.wait_for_cards(SAFEGUARDING_CHANNEL, 1, timeout=5)
    post = harness.cards_in(SAFEGUARDING_CHANNEL)[0]
    assert reference in post["text"]
    assert "URGENT" in post["text"]
    assert f"<!subteam^{SAFEGUARDING_GROUP}>" in post["text"]
    assert secret not in json.dumps(post)
    assert harness.cards_in(GUARDIAN_CHANNEL) == []

    # The reporter can be reached, so their DM says 999 before anything else.
    def dms() -> list[dict[str, object]]:
        return [m for m in harness.emulator.messages_in(REPORTER) if m.get("bot_id")]

    assert harness.emulator.wait_for(lambda: len(dms()) == 1, 5)
    dm = dms()[0]
    blocks = dm["blocks"]
    assert isinstance(blocks, list)
    first_block = json.dumps(blocks[0])
    assert "call 999 now" in first_block
    assert first_block.index("999") < first_block.index(reference)
    raw = raw_database_text(harness.context.db)
    assert secret not in raw and "CAD-4471" not in raw


def test_a_routine_safeguarding_concern_is_not_flagged_urgent(harness: Harness) -> None:
    result = raise_via(harness, safeguarding=True, values=safeguarding_values(danger="no"))
    assert "Call 999 now" not in json.dumps(result.json()["view"]["blocks"][0])
    assert harness.wait_for_cards(SAFEGUARDING_CHANNEL, 1)
    post = harness.cards_in(SAFEGUARDING_CHANNEL)[0]
    assert "URGENT" not in post["text"] and "subteam" not in post["text"]


def test_the_urgent_post_overtakes_routine_work_queued_earlier(harness: Harness) -> None:
    assert harness.server.worker is not None
    harness.server.worker.stop()  # let routine work pile up, as if Slack had been slow
    for number in range(3):
        raise_via(harness, values=speak_up_values(f"Routine {number}", "confidential"))
    urgent = reference_in(
        raise_via(harness, safeguarding=True, values=safeguarding_values(danger="yes"))
    )
    with harness.context.db.transaction() as session:
        assert session.scalar(select(func.count(OutboxItem.id))) == 8  # 4 cards, 4 DMs

    OutboxWorker(harness.context, build_web_client(harness.context.settings)).run_once()
    posts = [c.params for c in harness.emulator.calls_to("chat.postMessage")]
    assert len(posts) == 8
    assert posts[0]["channel"] == SAFEGUARDING_CHANNEL and urgent in posts[0]["text"]
    # The urgent reporter DM also goes ahead of the routine ones.
    assert urgent in posts[1]["text"]
    assert {p["channel"] for p in posts[2:]} >= {GUARDIAN_CHANNEL}


def test_speak_up_and_safeguarding_never_cross_channels(harness: Harness) -> None:
    for identity in ("open", "anonymous_follow_up"):
        raise_via(harness, values=speak_up_values(identity=identity))
        raise_via(harness, safeguarding=True, values=safeguarding_values(identity=identity))
    assert harness.wait_for_cards(GUARDIAN_CHANNEL, 2)
    assert harness.wait_for_cards(SAFEGUARDING_CHANNEL, 2)
    harness.settle()
    for post in harness.emulator.messages_in(GUARDIAN_CHANNEL, include_replies=True):
        assert "SG-" not in post["text"] and "Safeguarding" not in post["text"]
    for post in harness.emulator.messages_in(SAFEGUARDING_CHANNEL, include_replies=True):
        assert "SU-" not in post["text"]


def test_routes_send_speak_up_elsewhere_but_never_move_safeguarding(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'routes.db'}"
    with running_app(
        url,
        speakup_routes=["element:worker_safety=C0WELLBEING", "site:Northtown=C0NORTH"],
        speakup_sites=["Northtown", "Southport"],
    ) as harness:
        raise_via(harness, values=speak_up_values(elements=["worker_safety"]))
        raise_via(harness, values=speak_up_values(elements=["patient_safety"], site="Northtown"))
        raise_via(harness, values=speak_up_values(elements=["patient_safety"], site="Southport"))
        raise_via(harness, safeguarding=True)
        assert harness.wait_for_cards("C0WELLBEING", 1)
        assert harness.wait_for_cards("C0NORTH", 1)
        assert harness.wait_for_cards(GUARDIAN_CHANNEL, 1)
        assert harness.wait_for_cards(SAFEGUARDING_CHANNEL, 1)
        harness.settle()
        assert len(harness.cards_in(GUARDIAN_CHANNEL)) == 1
        assert len(harness.cards_in(SAFEGUARDING_CHANNEL)) == 1
        assert "SG-" in harness.cards_in(SAFEGUARDING_CHANNEL)[0]["text"]


@pytest.mark.parametrize(
    "rule",
    [
        f"element:worker_safety={SAFEGUARDING_CHANNEL}",
        f"site:Northtown={SAFEGUARDING_CHANNEL}",
        "element:no_such_element=C0X",
        "team:nurses=C0X",
        "element:worker_safety",
    ],
)
def test_a_route_that_breaks_the_lanes_is_refused_at_start_up(rule: str) -> None:
    with pytest.raises(RoutingError):
        Router.from_settings(GUARDIAN_CHANNEL, SAFEGUARDING_CHANNEL, [rule])


def test_without_a_safeguarding_channel_a_safeguarding_concern_is_refused_plainly(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'no-sg.db'}"
    with running_app(url, speakup_safeguarding_channel=None) as harness:
        view = switch_to_safeguarding(harness, open_raise_form(harness, "command"), REPORTER)
        result = harness.submit(REPORTER, view, safeguarding_values(danger="yes"))
        answer = result.json()
        assert answer["response_action"] == "errors"
        assert "999" in answer["errors"]["description"]
        with harness.context.db.transaction() as session:
            assert session.scalar(select(func.count(Concern.id))) == 0
            assert session.scalar(select(func.count(OutboxItem.id))) == 0


def test_the_confirmation_for_a_routine_safeguarding_concern_names_the_team(
    harness: Harness,
) -> None:
    result = raise_via(harness, safeguarding=True)
    text = confirmation_text(result)
    assert "safeguarding concern" in text
    assert "The safeguarding team will acknowledge it" in text


# --- referral dates are judged on the London calendar, not the server's UTC one ----------

SAFE = SAFEGUARDING_MEMBERS[0]


def test_referral_made_today_in_london_just_after_midnight_bst_is_accepted(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = raise_safeguarding(harness)
    form = open_form(harness, SAFE, reference, "Record referral")
    late_evening_utc = JUST_AFTER_MIDNIGHT_BST
    monkeypatch.setattr(harness.context, "clock", lambda: late_evening_utc)
    answer = harness.workspace.submit_view(
        SAFE,
        form,
        {"authority": "Northshire County Council", "referral_date": "2025-06-11"},
    )
    assert answer.status == 200
    assert answer.json() is None, answer.body
    made_at = concern_by_reference(harness, reference).referral_made_at
    assert made_at is not None and made_at <= late_evening_utc, "referral recorded in the future"
