"""Steps of the after-closure journeys: close a concern on a chosen day, run the check-in job
as replicas would, and find what reached the reporter."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.jobs.detriment_checkin import detriment_checkin_job
from bot.jobs.runner import tick
from bot.slack.ids import Action
from storage.models import Concern
from tests.support.harness import GUARDIANS, REPORTER, Harness
from tests.support.journeys import submit_form
from tests.support.ladder import MovableClock

G1, G2 = GUARDIANS


@dataclass
class AfterClosure:
    harness: Harness
    clock: MovableClock

    @classmethod
    def of(cls, harness: Harness, monkeypatch: pytest.MonkeyPatch) -> AfterClosure:
        return cls(harness, MovableClock(harness, monkeypatch))

    def close(self, reference: str, at: datetime, by: str = G1) -> None:
        """Acknowledge and close the concern at `at` (the service's clock moves there)."""
        self.clock.move_to(at)
        self.harness.click(by, reference, "Acknowledge")
        self.harness.settle()
        answer = submit_form(
            self.harness,
            by,
            reference,
            "Close",
            {"outcome": "action_taken", "outcome_text": "Rota changed"},
        )
        assert answer is None, answer

    def run_checkins(
        self, at: datetime, owners: tuple[str, ...] = ("replica-a", "replica-b")
    ) -> None:
        """At `at`, every replica's scheduler ticks the check-in job; then delivery."""
        now = self.clock.move_to(at)
        job = detriment_checkin_job(self.harness.context.policy)
        assert job is not None
        for owner in owners:
            tick(self.harness.context, [job], owner=owner, now=now)
        self.harness.settle()

    def concern(self, reference: str) -> Concern:
        with self.harness.context.db.transaction() as session:
            row = session.scalars(select(Concern).where(Concern.reference == reference)).one()
            session.expunge(row)
            return row


def actions_in(message: dict[str, Any]) -> list[str]:
    return [
        str(element.get("action_id"))
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def checkin_dms(harness: Harness, user: str = REPORTER) -> list[dict[str, Any]]:
    """The check-in questions in the user's DMs with the bot."""
    return [m for m in harness.emulator.messages_in(user) if Action.CHECKIN_YES in actions_in(m)]


def press(harness: Harness, user: str, message: dict[str, Any], label: str) -> str:
    """Press a button in a DM as `user`; returns what the app answered them privately."""
    before = len(harness.ephemerals(user))
    result = harness.workspace.click_labelled(
        user, message, label, channel_id=harness.emulator.im_channel_id(user)
    )
    assert result.status == 200, result.body
    assert harness.emulator.wait_for(lambda: len(harness.ephemerals(user)) > before, 5)
    harness.settle()
    return harness.ephemerals(user)[-1]


def shown(messages: list[dict[str, Any]]) -> str:
    return json.dumps(messages, ensure_ascii=False)
