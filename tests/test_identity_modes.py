"""Each identity choice, for both kinds of concern, end to end; no-contact leaves no trace."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.domain.clock import utcnow
from bot.domain.taxonomy import IDENTITY_EXPLANATIONS, IDENTITY_LABELS, IdentityMode
from bot.jobs.housekeeping import HOUSEKEEPING
from bot.jobs.runner import run_period
from storage.crypto import RECEIPT_ALPHABET, verify_receipt
from storage.models import Concern, ProcessedEvent
from tests.harness import (
    GUARDIAN_CHANNEL,
    KEY_A,
    OTHER_STAFF,
    REPORTER,
    SAFEGUARDING_CHANNEL,
    Harness,
)
from tests.raise_support import (
    concern_by_reference,
    confirmation_text,
    open_raise_form,
    raise_via,
    receipt_in,
    reference_in,
    safeguarding_values,
    speak_up_values,
)
from tests.raw_database import raw_database_text

RECEIPT_PATTERN = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")

MODES = [mode.value for mode in IdentityMode]


def bot_dms(harness: Harness, user: str) -> list[dict[str, object]]:
    return [m for m in harness.emulator.messages_in(user) if m.get("bot_id")]


@pytest.mark.parametrize("safeguarding", [False, True], ids=["speak_up", "safeguarding"])
@pytest.mark.parametrize("mode", MODES)
def test_every_identity_choice_can_be_submitted_end_to_end(
    harness: Harness, mode: str, safeguarding: bool
) -> None:
    values = safeguarding_values(identity=mode) if safeguarding else speak_up_values(identity=mode)
    result = raise_via(harness, safeguarding=safeguarding, values=values)
    reference = reference_in(result)
    concern = concern_by_reference(harness, reference)
    assert concern.identity_mode == mode
    channel = SAFEGUARDING_CHANNEL if safeguarding else GUARDIAN_CHANNEL
    assert harness.wait_for_cards(channel, 1)
    card = json.dumps(harness.cards_in(channel)[0])
    assert IDENTITY_LABELS[IdentityMode(mode)] in card
    assert REPORTER not in card
    harness.settle()

    text = confirmation_text(result)
    if mode == IdentityMode.ANONYMOUS_NO_CONTACT:
        assert concern.reporter_enc is None and concern.reporter_index is None
        assert concern.receipt_hash is not None
        receipt = receipt_in(result)
        assert "Copy this now: we cannot show it again" in text
        assert verify_receipt(receipt, concern.receipt_hash)
        assert bot_dms(harness, REPORTER) == []
        assert harness.emulator.calls_to("conversations.open") == []
    else:
        assert concern.reporter_enc is not None and concern.reporter_index is not None
        assert concern.receipt_hash is None and concern.receipt_locator is None
        assert "receipt" not in text.lower()
        assert harness.emulator.wait_for(lambda: len(bot_dms(harness, REPORTER)) == 1, 10)
        assert reference in json.dumps(bot_dms(harness, REPORTER)[0])


def test_the_form_says_who_will_know_and_what_it_costs_for_each_choice(harness: Harness) -> None:
    view = open_raise_form(harness, "command")
    text = json.dumps(view, ensure_ascii=False)
    for mode in IdentityMode:
        explanation = IDENTITY_EXPLANATIONS[mode]
        assert json.dumps(explanation, ensure_ascii=False)[1:-1] in text
        # One sentence each.
        assert explanation.endswith(".") and explanation.count(". ") == 0
    identity = next(b for b in view["blocks"] if b.get("block_id") == "identity")
    assert [o["value"] for o in identity["element"]["options"]] == MODES
    assert "harder to investigate" in text
    assert "Slack" in text and "keys" in text


def test_the_receipt_is_readable_aloud_with_enough_entropy(harness: Harness) -> None:
    receipts = set()
    for number in range(3):
        result = raise_via(
            harness, values=speak_up_values(f"no contact {number}", "anonymous_no_contact")
        )
        receipt = receipt_in(result)
        groups = receipt.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert all(ch in RECEIPT_ALPHABET for ch in "".join(groups))
        assert not set("ILOU") & set(receipt)
        concern = concern_by_reference(harness, reference_in(result))
        assert concern.receipt_hash is not None and concern.receipt_hash.startswith("scrypt$")
        assert concern.receipt_locator and len(concern.receipt_locator) == 32
        assert groups[0] not in concern.receipt_locator
        receipts.add(receipt)
    assert len(receipts) == 3
    raw = raw_database_text(harness.context.db)
    for receipt in receipts:
        assert receipt not in raw
        assert receipt.replace("-", "") not in raw


def test_no_contact_leaves_nothing_that_finds_the_reporter(harness: Harness) -> None:
    secret = "Controlled drugs register at Eastfield does not add up"
    result = raise_via(harness, values=speak_up_values(secret, "anonymous_no_contact"))
    reference = reference_in(result)
    # A second person raises openly: the same search must find them, so it is a real search.
    raise_via(harness, user=OTHER_STAFF, values=speak_up_values("Open one", "open"))
    assert harness.wait_for_cards(GUARDIAN_CHANNEL, 2)
    harness.settle()

    ring = harness.context.vault.ring
    raw_key = base64.b64decode(KEY_A)

    def traces(user: str) -> list[str]:
        return [
            user,
            user.lower(),
            *ring.blind_index_candidates(user),
            hmac.new(raw_key, user.encode(), hashlib.sha256).hexdigest(),
            harness.emulator.im_channel_id(user),
        ]

    raw = raw_database_text(harness.context.db)
    assert reference in raw
    assert any(trace in raw for trace in traces(OTHER_STAFF))
    for trace in traces(REPORTER):
        assert trace not in raw, "the database holds something that finds the reporter"
    assert secret not in raw


def test_a_no_contact_form_sent_twice_never_hands_out_a_second_receipt(
    harness: Harness,
) -> None:
    """A replay of the signed form (a double press, or someone who captured it) learns
    nothing: no receipt, no reference; and the reporter's own receipt keeps working."""
    view = open_raise_form(harness, "command")
    values = speak_up_values("Twice, anonymously", "anonymous_no_contact")
    first = harness.submit(REPORTER, view, values)
    again = harness.submit(REPORTER, view, values)
    receipt = receipt_in(first)
    shown = json.dumps(again.json())
    assert "already received" in shown
    assert not RECEIPT_PATTERN.search(shown), "a replay was handed a receipt"
    assert reference_in(first) not in shown
    concern = concern_by_reference(harness, reference_in(first))
    assert verify_receipt(receipt, concern.receipt_hash or "")
    with harness.context.db.transaction() as session:
        assert session.scalar(select(func.count(Concern.id))) == 1


def test_no_contact_concerns_keep_no_submission_or_exact_time(harness: Harness) -> None:
    view = open_raise_form(harness, "command")
    result = harness.submit(REPORTER, view, speak_up_values("Traces", "anonymous_no_contact"))
    concern = concern_by_reference(harness, reference_in(result))
    assert concern.submission_key.startswith("none:")  # random: nothing of the form it came in
    assert concern.created_at.minute == 0 and concern.created_at.second == 0
    assert concern.created_at.microsecond == 0
    # The replay window's record goes once the window has passed.
    later = utcnow() + timedelta(minutes=11)
    run_period(
        harness.context,
        HOUSEKEEPING,
        HOUSEKEEPING.schedule.latest(later),
        owner="test",
        now=later,
    )
    with harness.context.db.transaction() as session:
        keys = list(session.scalars(select(ProcessedEvent.event_id)))
    assert not [key for key in keys if key.startswith("nc:")]
