"""`/speakup status`, the no-contact receipt page and its replies, and the App Home tab."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.domain.clock import utcnow
from bot.domain.moves import Move, MoveDetails
from bot.flows.lifecycle import transition
from bot.flows.timeline import read_timeline
from bot.slack import signed_metadata
from bot.slack.ids import Action, Callback
from bot.slack.receipt_page import NO_MATCH
from bot.slack.receipt_passes import PAGE_STEP, REPLY_STEP, issue_pass
from storage.models import Concern, ConcernEvent
from tests.support.harness import GUARDIAN_CHANNEL, GUARDIANS, OTHER_STAFF, REPORTER, Harness
from tests.support.journeys import ask_via_card, click_reply, reply_button, shown, status
from tests.support.raise_helpers import (
    command_answer,
    concern_by_reference,
    open_home,
    raise_via,
    reference_and_receipt,
    reference_in,
    speak_up_values,
    wait_for_new_view,
)

GUARDIAN = GUARDIANS[0]


def raise_no_contact(harness: Harness, text: str = "Drugs cupboard left open") -> tuple[str, str]:
    result = raise_via(harness, values=speak_up_values(text, "anonymous_no_contact"))
    return reference_and_receipt(result)


def move(harness: Harness, reference: str, which: Move, details: MoveDetails | None = None) -> None:
    with harness.context.db.transaction() as session:
        concern = session.scalars(select(Concern).where(Concern.reference == reference)).one()
        transition(
            session,
            harness.context.vault,
            concern,
            which,
            actor_id=GUARDIAN,
            now=utcnow(),
            update_interval_days=14,
            details=details,
        )


def replies_stored(harness: Harness) -> int:
    with harness.context.db.transaction() as session:
        query = select(func.count(ConcernEvent.id)).where(ConcernEvent.kind == "reporter_reply")
        return int(session.scalar(query) or 0)


# --- /speakup status ----------------------------------------------------------------------


def test_status_with_nothing_raised_says_so_and_explains_receipts(harness: Harness) -> None:
    answer = status(harness, REPORTER)
    assert "no concerns raised from this account" in answer["text"]
    assert "/speakup status <receipt>" in shown(answer)


def test_status_lists_only_my_reachable_concerns_with_status_and_last_update(
    harness: Harness,
) -> None:
    mine = {
        mode: reference_in(raise_via(harness, values=speak_up_values(identity=mode)))
        for mode in ("open", "confidential", "anonymous_follow_up")
    }
    hidden, _ = raise_no_contact(harness)
    theirs = reference_in(raise_via(harness, user=OTHER_STAFF, values=speak_up_values()))
    move(harness, mine["open"], Move.ACKNOWLEDGE)

    answer = status(harness, REPORTER)
    text = shown(answer)
    for reference in mine.values():
        assert reference in text
    assert hidden not in text and theirs not in text
    assert "Anonymous, with follow-up" in text
    assert "Acknowledged" in text and "Received" in text
    assert "has acknowledged your concern" in text  # the last update, in plain words
    other = shown(status(harness, OTHER_STAFF))
    assert theirs in other and not any(ref in other for ref in mine.values())


# --- /speakup status <receipt> ----------------------------------------------------------


def test_a_receipt_opens_its_concern_and_the_holder_can_read_and_answer(
    harness: Harness,
) -> None:
    reference, receipt = raise_no_contact(harness)
    question = "Which shift was this on? Anything you add helps us."
    ask_via_card(harness, reference, question)

    page = status(harness, REPORTER, receipt.lower().replace("-", " "))
    text = shown(page)
    assert reference in text and "Received" in text
    assert question in text
    before = len(harness.emulator.opened_views())
    click_reply(harness, REPORTER, reply_button(page)["value"])
    form = wait_for_new_view(harness, REPORTER, before)
    assert form["callback_id"] == Callback.RECEIPT_REPLY
    assert question in json.dumps(form, ensure_ascii=False)

    answer = "The night shift on the 4th, around 3am."
    sent = harness.submit(REPORTER, form, {"message": answer})
    assert sent.json()["response_action"] == "update"
    assert reference in json.dumps(sent.json()["view"])
    again = harness.submit(REPORTER, form, {"message": answer})  # sent twice: one reply
    assert again.json()["response_action"] == "update"
    assert replies_stored(harness) == 1

    concern = concern_by_reference(harness, reference)
    with harness.context.db.transaction() as session:
        timeline = read_timeline(session, harness.context.vault, concern, reporter_view=False)
    assert [e.body for e in timeline if e.kind == "reporter_reply"] == [answer]
    harness.settle()
    card = harness.card_for(reference)
    thread = harness.emulator.thread_replies(GUARDIAN_CHANNEL, card["ts"])
    # Not in the channel: its time could be matched with Slack's record of who replied then.
    assert not any("The reporter replied" in m["text"] for m in thread)
    assert all(answer not in m["text"] for m in thread)

    later = shown(status(harness, REPORTER, receipt))
    assert "You replied" in later and answer in later


def test_every_wrong_receipt_gets_the_same_answer(harness: Harness) -> None:
    _, receipt = raise_no_contact(harness)
    right_locator = receipt[:5] + ("0000-0000-0000" if receipt[5:] != "0000-0000-0000" else "1111")
    guesses = ["ZZZZ-ZZZZ-ZZZZ-ZZZZ", right_locator, "not a receipt", "1234"]
    answers = [status(harness, OTHER_STAFF, guess) for guess in guesses]
    assert all(answer == {"text": NO_MATCH, "blocks": answers[0]["blocks"]} for answer in answers)


def test_repeated_wrong_receipts_are_paused_for_that_person_only(harness: Harness) -> None:
    _, receipt = raise_no_contact(harness)
    for _ in range(5):
        assert status(harness, OTHER_STAFF, "ZZZZ-ZZZZ-ZZZZ-ZZZZ")["text"] == NO_MATCH
    paused = status(harness, OTHER_STAFF, receipt)
    assert "paused" in paused["text"]
    assert "Reply" not in shown(paused)
    assert reply_button(status(harness, REPORTER, receipt))  # someone else is unaffected


def test_a_forged_or_borrowed_reply_button_opens_nothing(harness: Harness) -> None:
    reference, receipt = raise_no_contact(harness)
    concern = concern_by_reference(harness, reference)
    ring = harness.context.vault.ring
    now = utcnow()
    genuine = reply_button(status(harness, REPORTER, receipt))["value"]
    forged = [
        concern.id,  # the bare concern id
        genuine.replace("}", ',"x":1}', 1),  # altered after signing
        issue_pass(ring, PAGE_STEP, concern.id, REPORTER, now=now - timedelta(hours=2), seconds=60),
        issue_pass(ring, REPLY_STEP, concern.id, REPORTER, now=now, seconds=600),  # wrong step
        signed_metadata.sign(ring, {"form": "speak_up"}),
        genuine + "é",
    ]
    before = len(harness.emulator.calls_to("views.open"))
    for value in forged:
        click_reply(harness, REPORTER, value)
    # Someone who merely saw the holder's button cannot use it either.
    click_reply(harness, OTHER_STAFF, genuine)
    assert harness.emulator.wait_for(
        lambda: len(harness.emulator.ephemeral_messages()) >= len(forged) + 1, 5
    )
    assert len(harness.emulator.calls_to("views.open")) == before
    assert all("expired" in m["text"] for m in harness.emulator.ephemeral_messages())


def test_a_reply_form_with_altered_metadata_or_another_sender_changes_nothing(
    harness: Harness,
) -> None:
    reference, receipt = raise_no_contact(harness)
    before = len(harness.emulator.opened_views())
    click_reply(harness, REPORTER, reply_button(status(harness, REPORTER, receipt))["value"])
    form = wait_for_new_view(harness, REPORTER, before)
    concern = concern_by_reference(harness, reference)
    ring = harness.context.vault.ring
    tampered = [
        form["private_metadata"].replace('"c":"', '"c":"x', 1),
        issue_pass(ring, PAGE_STEP, concern.id, REPORTER, now=utcnow(), seconds=600),
        "",
    ]
    for metadata in tampered:
        result = harness.submit(REPORTER, form | {"private_metadata": metadata}, {"message": "hi"})
        assert result.json()["response_action"] == "errors"
        assert "expired" in result.json()["errors"]["message"]
    stolen = harness.submit(OTHER_STAFF, form, {"message": "not the holder"})
    assert stolen.json()["response_action"] == "errors"
    assert replies_stored(harness) == 0


def test_a_closed_concern_shows_its_outcome_and_takes_no_replies(harness: Harness) -> None:
    reference, receipt = raise_no_contact(harness)
    genuine = reply_button(status(harness, REPORTER, receipt))["value"]
    move(harness, reference, Move.ACKNOWLEDGE)
    move(harness, reference, Move.CLOSE, MoveDetails(outcome="action_taken"))
    page = status(harness, REPORTER, receipt)
    text = shown(page)
    assert "Closed" in text and "Concern upheld, action taken" in text
    assert "no longer read" in text
    assert Action.RECEIPT_REPLY.value not in text
    # A Reply button from before the closure no longer opens the form.
    before = len(harness.emulator.calls_to("views.open"))
    click_reply(harness, REPORTER, genuine)
    assert harness.emulator.wait_for(lambda: bool(harness.emulator.ephemeral_messages()), 5)
    assert len(harness.emulator.calls_to("views.open")) == before


# --- App Home ------------------------------------------------------------------------------


def test_home_shows_my_concerns_with_their_timelines(harness: Harness) -> None:
    mine = reference_in(raise_via(harness, values=speak_up_values(identity="confidential")))
    follow_up = reference_in(
        raise_via(harness, values=speak_up_values(identity="anonymous_follow_up"))
    )
    hidden, _ = raise_no_contact(harness)
    theirs = reference_in(raise_via(harness, user=OTHER_STAFF, values=speak_up_values()))
    move(harness, mine, Move.ACKNOWLEDGE)

    home = json.dumps(open_home(harness, REPORTER), ensure_ascii=False)
    assert mine in home and follow_up in home
    assert hidden not in home and theirs not in home
    assert "Concern raised" in home
    assert "has acknowledged your concern" in home
    assert "Raise a concern" in home and "999" in home
    assert "Night rota" not in home  # what happened is never put on the Home tab

    other = json.dumps(open_home(harness, OTHER_STAFF))
    assert theirs in other and mine not in other and follow_up not in other


def test_a_status_check_with_the_word_payload_is_answered(harness: Harness) -> None:
    result = harness.workspace.slash_command("U0PAYLOAD", "/speakup", "status payload")
    assert result.status == 200
    assert result.json()["text"] == NO_MATCH


def status_without_timing(harness: Harness, user: str, argument: str = "") -> dict[str, Any]:
    """`status` without its three-second check: here many run at once on one machine."""
    result = harness.workspace.slash_command(user, "/speakup", f"status {argument}".strip())
    return command_answer(result)


def test_concurrent_wrong_receipts_are_limited_like_sequential_ones(harness: Harness) -> None:
    guesses = 12

    def guess(number: int) -> str:
        return str(
            status_without_timing(harness, OTHER_STAFF, f"ZZZZ-ZZZZ-ZZZZ-{number:04d}")["text"]
        )

    with ThreadPoolExecutor(max_workers=guesses) as pool:
        answers = list(pool.map(guess, range(guesses)))
    checked = sum(1 for answer in answers if answer == NO_MATCH)
    # Five wrong receipts per window, however they arrive.
    assert checked <= 5, f"{checked} guesses were checked"
