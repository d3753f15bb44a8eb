"""A trust that takes safeguarding concerns elsewhere: the form is not offered, and the raise
modal says where those concerns go."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.jobs.scheduler import all_jobs
from bot.slack import raise_form, signed_metadata
from bot.slack.ids import Action
from storage.models import Concern
from tests.support.harness import REPORTER, Harness, running_app
from tests.support.raise_helpers import open_raise_form, safeguarding_values, wait_for_new_view

ELSEWHERE = "Safeguarding concerns go to the trust's safeguarding hub on 0300 000 0000."


@pytest.fixture
def off(database_url: str) -> Iterator[Harness]:
    with running_app(
        database_url,
        speakup_safeguarding="off",
        speakup_safeguarding_elsewhere=ELSEWHERE,
        speakup_safeguarding_team=[],
    ) as running:
        yield running


def test_the_raise_modal_says_where_safeguarding_concerns_go(off: Harness) -> None:
    view = open_raise_form(off, "command")
    assert view["callback_id"] == "raise_speak_up"
    shown = json.dumps(view["blocks"])
    assert ELSEWHERE in shown
    assert Action.SWITCH_TO_SAFEGUARDING.value not in shown
    assert "Someone is at risk of harm" not in shown


def test_asking_for_the_safeguarding_form_gives_the_speak_up_form(off: Harness) -> None:
    before = len(off.emulator.opened_views())
    assert off.workspace.slash_command(REPORTER, "/speakup", "safeguarding").status == 200
    view = wait_for_new_view(off, REPORTER, before)
    assert view["callback_id"] == "raise_speak_up" and ELSEWHERE in json.dumps(view["blocks"])
    # The switch pressed on a form opened before safeguarding was turned off (the same view,
    # as it looked then): the form stays the speak-up one.
    then = raise_form.speak_up_form(sites=[], metadata=view["private_metadata"])
    old_form = {**view, "blocks": then["blocks"]}
    updates = len(off.emulator.calls_to("views.update"))
    result = off.workspace.click_labelled(REPORTER, old_form, "Someone is at risk of harm")
    assert result.status == 200
    assert off.emulator.wait_for(lambda: len(off.emulator.calls_to("views.update")) > updates, 5)
    updated = off.emulator.calls_to("views.update")[-1].params["view"]
    updated = json.loads(updated) if isinstance(updated, str) else updated
    assert updated["callback_id"] == "raise_speak_up" and ELSEWHERE in json.dumps(updated)


def test_a_safeguarding_form_sent_anyway_is_refused_with_where_to_go(off: Harness) -> None:
    # A safeguarding form opened while safeguarding was on, sent after it was turned off.
    metadata = signed_metadata.sign(off.context.vault.ring, {"form": "safeguarding"})
    view = {**raise_form.safeguarding_form(metadata=metadata), "id": "V0OLDFORM"}
    answer = off.submit(REPORTER, view, safeguarding_values()).json()
    assert answer == {"response_action": "errors", "errors": {"description": ELSEWHERE}}
    with off.context.db.transaction() as session:
        assert session.scalar(select(func.count(Concern.id))) == 0


def test_no_safeguarding_digest_is_scheduled(off: Harness) -> None:
    names = [job.name for job in all_jobs(off.context.policy)]
    assert "guardian_digest" in names and "safeguarding_digest" not in names
