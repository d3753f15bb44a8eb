"""The first vertical slice over signed HTTP: /speakup → modal → concern → guardian card."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.flows import raising
from storage.models import Concern, OutboxItem
from tests.support.harness import GUARDIAN_CHANNEL, REPORTER, SAFEGUARDING_CHANNEL, Harness
from tests.support.raw_database import raw_database_text


def test_slash_command_opens_the_raise_modal_within_three_seconds(harness: Harness) -> None:
    result = harness.workspace.slash_command(REPORTER, "/speakup", "")
    assert result.status == 200
    assert result.elapsed < 3.0
    assert harness.emulator.wait_for(lambda: harness.emulator.last_view(REPORTER) is not None, 5)
    opened = harness.emulator.calls_to("views.open")
    assert len(opened) == 1
    view = harness.emulator.last_view(REPORTER)
    assert view is not None
    block_ids = {block.get("block_id") for block in view["blocks"]}
    assert {"elements", "description", "identity"} <= block_ids


def test_submitted_concern_gets_a_reference_and_one_card(harness: Harness) -> None:
    secret_text = "Rota gaps on nights at Northtown station, nobody listens #4471"
    result = harness.raise_speak_up(description=secret_text, identity="confidential")
    assert result.status == 200
    answer = result.json()
    assert answer["response_action"] == "update"
    confirmation = json.dumps(answer["view"])
    with harness.context.db.transaction() as session:
        concern = session.scalars(select(Concern)).one()
        reference = concern.reference
    assert reference in confirmation

    assert harness.wait_for_cards(GUARDIAN_CHANNEL, 1)
    time.sleep(0.5)  # would a second copy turn up?
    cards = harness.cards_in(GUARDIAN_CHANNEL)
    assert len(cards) == 1
    card = json.dumps(cards[0])
    assert reference in card
    assert secret_text not in card
    assert REPORTER not in card
    assert harness.cards_in(SAFEGUARDING_CHANNEL) == []

    raw = raw_database_text(harness.context.db)
    assert secret_text not in raw
    assert "Rota gaps" not in raw
    assert REPORTER not in raw


def test_empty_or_blank_description_is_a_field_error_and_stores_nothing(
    harness: Harness,
) -> None:
    for blank in ("", "   \n\t  "):
        view = harness.open_raise_modal()
        result = harness.submit(
            REPORTER,
            view,
            {"elements": ["patient_safety"], "description": blank, "identity": "open"},
        )
        assert result.status == 200
        answer = result.json()
        assert answer["response_action"] == "errors"
        assert "description" in answer["errors"]
    with harness.context.db.transaction() as session:
        assert session.scalar(select(func.count(Concern.id))) == 0
        assert session.scalar(select(func.count(OutboxItem.id))) == 0


def test_forged_signature_is_refused(harness: Harness) -> None:
    body = "command=%2Fspeakup&text=&user_id=U0REPORTER&trigger_id=1.2.3"
    result = harness.workspace.post_signed(
        body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64
    )
    assert result.status == 401
    assert harness.emulator.calls_to("views.open") == []


def test_stale_timestamp_is_refused(harness: Harness) -> None:
    body = "command=%2Fspeakup&text=&user_id=U0REPORTER&trigger_id=1.2.3"
    result = harness.workspace.post_signed(
        body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 301
    )
    assert result.status == 401
    assert harness.emulator.calls_to("views.open") == []


def test_same_view_submitted_twice_creates_one_concern(harness: Harness) -> None:
    view = harness.open_raise_modal()
    values = {"elements": ["other"], "description": "Twice sent", "identity": "open"}
    first = harness.submit(REPORTER, view, values).json()
    second = harness.submit(REPORTER, view, values).json()
    with harness.context.db.transaction() as session:
        assert session.scalar(select(func.count(Concern.id))) == 1
        reference = session.scalars(select(Concern.reference)).one()
    assert reference in json.dumps(first["view"])
    assert reference in json.dumps(second["view"])
    assert harness.wait_for_cards(GUARDIAN_CHANNEL, 1)
    time.sleep(0.3)
    assert len(harness.cards_in(GUARDIAN_CHANNEL)) == 1


def test_two_copies_of_a_view_sent_at_once_store_one_concern(harness: Harness) -> None:
    view = harness.open_raise_modal()
    values = {"elements": ["other"], "description": "Sent from two tabs", "identity": "open"}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: harness.submit(REPORTER, view, values), range(4)))
    assert [answer.status for answer in answers] == [200] * 4
    with harness.context.db.transaction() as session:
        reference = session.scalars(select(Concern.reference)).one()
    for answer in answers:
        assert reference in json.dumps(answer.json()["view"])


def test_a_reference_already_taken_is_drawn_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = harness.raise_speak_up(description="The first concern", identity="open")
    assert first.status == 200
    with harness.context.db.transaction() as session:
        taken = session.scalars(select(Concern.reference)).one()
    drawn = iter([taken, taken, "SU-FRESH1"])
    monkeypatch.setattr(raising, "new_reference", lambda _kind: next(drawn))

    second = harness.raise_speak_up(description="The second concern", identity="open")

    assert second.status == 200
    assert "SU-FRESH1" in json.dumps(second.json()["view"])
    with harness.context.db.transaction() as session:
        assert sorted(session.scalars(select(Concern.reference))) == sorted([taken, "SU-FRESH1"])


def test_health_and_readiness(harness: Harness) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{harness.server.url}/healthz") as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{harness.server.url}/readyz") as response:
        assert json.loads(response.read())["status"] == "ready"
