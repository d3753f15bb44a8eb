"""Each identity choice, for both kinds of concern, end to end; no-contact leaves no trace."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from sqlalchemy import func, select

from bot.domain.taxonomy import IDENTITY_EXPLANATIONS, IDENTITY_LABELS, IdentityMode
from storage.crypto import RECEIPT_ALPHABET, normalise_receipt, verify_receipt
from storage.models import Concern
from tests.support.harness import (
    GUARDIAN_CHANNEL,
    KEY_A,
    OTHER_STAFF,
    REPORTER,
    SAFEGUARDING_CHANNEL,
    Harness,
)
from tests.support.raise_helpers import (
    RECEIPT,
    concern_by_reference,
    confirmation_text,
    open_raise_form,
    raise_via,
    receipt_in,
    reference_in,
    safeguarding_values,
    speak_up_values,
)
from tests.support.raw_database import raw_database_text

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
        assert concern.receipt_locator == groups[0]
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


def test_a_no_contact_form_sent_twice_gives_a_new_receipt_that_replaces_the_first(
    harness: Harness,
) -> None:
    """The first answer may never have reached the person (Slack gave up waiting), and a
    receipt is shown only once: the resend issues a new one, and the old one stops working."""
    view = open_raise_form(harness, "command")
    values = speak_up_values("Twice, anonymously", "anonymous_no_contact")
    first = harness.submit(REPORTER, view, values)
    second = harness.submit(REPORTER, view, values)
    old, new = receipt_in(first), receipt_in(second)
    assert reference_in(first) == reference_in(second)
    assert old != new
    assert "replaces any receipt shown before" in confirmation_text(second)
    concern = concern_by_reference(harness, reference_in(first))
    assert verify_receipt(new, concern.receipt_hash or "")
    assert not verify_receipt(old, concern.receipt_hash or "")
    with harness.context.db.transaction() as session:
        assert session.scalar(select(func.count(Concern.id))) == 1


def test_no_contact_resubmission_still_gives_a_working_receipt(harness: Harness) -> None:
    view = harness.open_raise_modal()
    values = speak_up_values(identity="anonymous_no_contact")
    first = harness.submit(REPORTER, view, values)
    assert first.status == 200  # pretend Slack gave up waiting: the person never saw this
    again = harness.submit(REPORTER, view, values).json()
    shown = json.dumps(again)
    match = RECEIPT.search(shown)
    assert match, "no receipt shown on the resubmission"
    concern = concern_by_reference(harness, reference_in(first))
    canonical = normalise_receipt(match.group(0))
    assert canonical is not None
    assert verify_receipt(canonical, concern.receipt_hash or "")
