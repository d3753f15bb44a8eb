"""Legal hold from View details over signed HTTP: a lead sees "Place legal hold", presses it,
and the concern is held through the command's own flow (audited, on the card's thread, kept
by the retention job); the modal shows the hold at once. Anyone else pressing the button —
copied from a lead's modal or forged — is refused and nothing changes, and so are a second
press and a press on a concern whose details are already destroyed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.slack.ids import Action
from tests.support.card_forms import open_filled_form
from tests.support.harness import OTHER_STAFF, SAFEGUARDING_MEMBERS, Harness, running_app
from tests.support.raise_helpers import raise_safeguarding
from tests.support.retention import (
    G1,
    LEAD,
    TEN_YEARS_ON,
    at,
    audited,
    destructions,
    raise_and_close,
    row,
    run_job,
)


def open_details(harness: Harness, user: str, reference: str) -> dict[str, Any]:
    """View details as `user` sees it once filled in."""
    return open_filled_form(
        harness, user, reference, "View details", lambda view: "Timeline" in json.dumps(view)
    )


def told(harness: Harness, user: str, words: str) -> bool:
    """Whether the app told `user` privately (a DM: the press was in a modal) these words."""
    return harness.emulator.wait_for(
        lambda: any(words in str(m.get("text")) for m in harness.emulator.messages_in(user)), 10
    )


def press(harness: Harness, user: str, view: dict[str, Any], label: str) -> None:
    result = harness.workspace.click_labelled(user, view, label)
    assert result.status == 200, result.body
    harness.settle()


def test_a_lead_places_a_legal_hold_from_view_details_and_the_job_keeps_the_concern(
    team: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = raise_and_close(team, monkeypatch, "button-held")
    due = raise_and_close(team, monkeypatch, "button-due")

    # Only a lead is offered the button; the guardian who is not a lead sees neither label.
    guardian_view = json.dumps(open_details(team, G1, held))
    assert "Place legal hold" not in guardian_view and "Lift legal hold" not in guardian_view
    lead_view = open_details(team, LEAD, held)
    assert "Place legal hold" in json.dumps(lead_view)
    stale_due_view = open_details(team, LEAD, due)  # left open while the job runs

    # The lead's button pressed by others (copied from the modal, or forged outright with the
    # concern's id as its value) changes nothing: the verified user decides.
    press(team, G1, lead_view, "Place legal hold")
    assert told(team, G1, "Only the guardian leads and safeguarding leads can place or lift")
    forged = team.workspace.click_button(
        OTHER_STAFF, Action.PLACE_LEGAL_HOLD, value=row(team, held).id
    )
    assert forged.status == 200
    team.settle()
    assert told(team, OTHER_STAFF, "Only the guardian leads and safeguarding leads")
    assert row(team, held).legal_hold_at is None
    assert audited(team, "concern.legal_hold_set", held) == 0

    # The lead presses it: held, audited, said in the thread, and the modal shows it in place.
    press(team, LEAD, lead_view, "Place legal hold")
    assert told(team, LEAD, f"Legal hold placed on {held}")
    assert row(team, held).legal_hold_by == LEAD
    assert row(team, held).shred_month is None  # back under the ring alone
    assert audited(team, "concern.legal_hold_set", held) == 1
    channel = team.context.router.guardian_channel
    thread = json.dumps(team.emulator.thread_replies(channel, team.card_for(held)["ts"]))
    assert f"<@{LEAD}> placed a legal hold on this concern." in thread

    def updated() -> bool:
        now_shown = json.dumps(team.emulator.view_by_id(lead_view["id"]))
        return "Lift legal hold" in now_shown and f"placed by <@{LEAD}>" in now_shown

    assert team.emulator.wait_for(updated, 10), "the modal still offers to place the hold"

    # A second press of the stale button: already held, and nothing is recorded twice.
    press(team, LEAD, lead_view, "Place legal hold")
    assert told(team, LEAD, f"{held} is already under a legal hold (placed by <@{LEAD}>).")
    assert audited(team, "concern.legal_hold_set", held) == 1

    # Ten years on the daily job destroys the other concern and keeps the held one.
    at(team, monkeypatch, TEN_YEARS_ON)
    assert run_job(team, TEN_YEARS_ON).ran
    assert row(team, due).destroyed_at is not None and destructions(team, due) == 1
    assert row(team, held).destroyed_at is None and destructions(team, held) == 0

    # A hold pressed on the destroyed concern (its modal was open before the run) is refused.
    press(team, LEAD, stale_due_view, "Place legal hold")
    assert told(team, LEAD, f"{due}'s details were already destroyed")
    assert row(team, due).legal_hold_at is None
    assert audited(team, "concern.legal_hold_set", due) == 0
    gone = json.dumps(open_details(team, LEAD, due))
    assert "Details destroyed" in gone and "legal hold" not in gone.lower()

    # The lead lifts it from the modal as it now stands.
    now_shown = team.emulator.view_by_id(lead_view["id"])
    assert now_shown is not None
    press(team, LEAD, now_shown, "Lift legal hold")
    assert told(team, LEAD, f"Legal hold lifted on {held}")
    assert row(team, held).legal_hold_at is None
    assert audited(team, "concern.legal_hold_lifted", held) == 1


def test_a_safeguarding_concern_is_held_by_its_own_leads_only(database_url: str) -> None:
    safeguarding_lead = SAFEGUARDING_MEMBERS[0]
    with running_app(
        database_url,
        speakup_guardian_leads=[LEAD],
        speakup_safeguarding_leads=[safeguarding_lead],
    ) as team:
        reference = raise_safeguarding(team)
        lead_view = open_details(team, safeguarding_lead, reference)
        assert "Place legal hold" in json.dumps(lead_view)

        # A guardian lead is a lead, but not of this kind: refused, nothing changes.
        press(team, LEAD, lead_view, "Place legal hold")
        refusal = f"Only the safeguarding leads can place or lift a legal hold on {reference}."
        assert told(team, LEAD, refusal)
        assert row(team, reference).legal_hold_at is None
        assert audited(team, "concern.legal_hold_set", reference) == 0

        press(team, safeguarding_lead, lead_view, "Place legal hold")
        assert told(team, safeguarding_lead, f"Legal hold placed on {reference}")
        assert row(team, reference).legal_hold_by == safeguarding_lead
        assert audited(team, "concern.legal_hold_set", reference) == 1
