"""Overdue work shows on the card by itself, once per deadline, once per period."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.domain.clock import utcnow
from bot.jobs.runner import run_period
from bot.jobs.sla_sweep import SLA_SWEEP, flag_overdue
from storage.models import Concern
from tests.support.harness import Harness


def test_overdue_acknowledgement_is_flagged_on_the_card(harness: Harness) -> None:
    harness.raise_speak_up()
    harness.settle()
    reference = harness.latest_reference()
    assert "OVERDUE" not in json.dumps(harness.card_for(reference)["blocks"])
    with harness.context.db.transaction() as session:
        concern = session.scalars(select(Concern)).one()
        concern.ack_due_at = utcnow() - timedelta(hours=1)

    now = utcnow()
    period = SLA_SWEEP.schedule.latest(now)
    assert run_period(harness.context, SLA_SWEEP, period, owner="replica-a", now=now).ran
    # The same period: already finished, so the other replica does nothing.
    assert not run_period(harness.context, SLA_SWEEP, period, owner="replica-b", now=now).ran
    harness.settle()
    card = harness.card_for(reference)
    assert "OVERDUE" in json.dumps(card["blocks"])
    assert len(harness.cards_in(card["channel"])) == 1
    updates = len(harness.emulator.calls_to("chat.update"))
    with harness.context.db.transaction() as session:  # the same deadline is flagged once
        assert flag_overdue(session, harness.context, utcnow()) == 0
    harness.settle()
    assert len(harness.emulator.calls_to("chat.update")) == updates
