"""Overdue work shows on the card by itself, once per deadline, once per period."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.domain.clock import utcnow
from bot.jobs.scheduler import run_sweep_if_due, sla_sweep
from storage.models import Concern
from tests.harness import Harness


def test_overdue_acknowledgement_is_flagged_on_the_card(harness: Harness) -> None:
    harness.raise_speak_up()
    harness.settle()
    reference = harness.latest_reference()
    assert "OVERDUE" not in json.dumps(harness.card_for(reference)["blocks"])
    with harness.context.db.transaction() as session:
        concern = session.scalars(select(Concern)).one()
        concern.ack_due_at = utcnow() - timedelta(hours=1)

    assert run_sweep_if_due(harness.context, "replica-a")
    assert not run_sweep_if_due(harness.context, "replica-b")  # same period: already claimed
    harness.settle()
    card = harness.card_for(reference)
    assert "OVERDUE" in json.dumps(card["blocks"])
    assert len(harness.cards_in(card["channel"])) == 1
    updates = len(harness.emulator.calls_to("chat.update"))
    assert sla_sweep(harness.context, utcnow()) == 0  # the same deadline is flagged once
    harness.settle()
    assert len(harness.emulator.calls_to("chat.update")) == updates
