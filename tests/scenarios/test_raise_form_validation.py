"""Bad input to the raise forms: a plain error on the right block, and nothing changes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.domain.text import clean_text
from storage.models import AuditEntry, Concern, ConcernEvent, OutboxItem
from tests.support.harness import REPORTER, Harness
from tests.support.raise_helpers import (
    JUST_AFTER_MIDNIGHT_BST,
    open_raise_form,
    post_submission,
    reference_in,
    speak_up_values,
)


def nothing_stored(harness: Harness) -> bool:
    with harness.context.db.transaction() as session:
        return not any(
            session.scalar(select(func.count()).select_from(table))
            for table in (Concern, ConcernEvent, OutboxItem, AuditEntry)
        )


def errors_for(harness: Harness, values: dict[str, Any]) -> dict[str, str]:
    view = open_raise_form(harness, "command")
    answer = harness.submit(REPORTER, view, values).json()
    assert answer["response_action"] == "errors", answer
    return dict(answer["errors"])


def test_an_empty_form_gets_an_error_on_every_required_block(harness: Harness) -> None:
    errors = errors_for(harness, {})
    assert set(errors) == {"elements", "description", "identity"}
    assert all(message.endswith(".") for message in errors.values())
    assert nothing_stored(harness)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("description", "x" * 3001, "under 3000 characters"),
        ("location", "y" * 301, "under 300 characters"),
        ("raised_before", "z" * 301, "under 300 characters"),
        ("hoped_outcome", "w" * 1001, "under 1000 characters"),
        ("description", "Looks fine\u202e but is reversed", "hidden control characters"),
        ("description", "bell\x07", "hidden control characters"),
        ("location", "nul\x00byte", "hidden control characters"),
        ("hoped_outcome", "zero\u200bwidth", "hidden control characters"),
        ("happened_on", (date.today() + timedelta(days=2)).isoformat(), "in the future"),
    ],
)
def test_bad_text_is_refused_on_its_own_block(
    harness: Harness, field: str, value: str, words: str
) -> None:
    errors = errors_for(harness, speak_up_values(**{field: value}))
    assert list(errors) == [field]
    assert words in errors[field]
    assert nothing_stored(harness)


def test_text_people_really_type_is_accepted(harness: Harness) -> None:
    typed = "Crew 👩‍⚕️👨‍⚕️ at 🏴󠁧󠁢󠁥󠁮󠁧󠁿 station\r\nsaid «non» — שלום\u200f ok"
    view = open_raise_form(harness, "command")
    result = harness.submit(REPORTER, view, speak_up_values(typed, location="Ward 9\tbay 2"))
    assert reference_in(result)


@pytest.mark.parametrize(
    ("block", "forged"),
    [
        ("identity", {"selected_option": {"value": "invisible"}}),
        ("elements", {"selected_options": [{"value": "worker_safety"}, {"value": "made_up"}]}),
        ("professional_group", {"selected_option": {"value": "astronaut"}}),
        ("detriment", {"selected_option": {"value": ["yes"]}}),
        ("site", {"selected_option": {"value": "Atlantis"}}),
        ("description", {"value": ["a", "list"]}),
        ("happened_on", {"selected_date": "31/12/2025"}),
    ],
)
def test_a_forged_answer_is_refused_on_its_own_block(
    harness: Harness, block: str, forged: dict[str, Any]
) -> None:
    view = open_raise_form(harness, "command")
    state = {
        "elements": {"elements": {"selected_options": [{"value": "other"}]}},
        "description": {"description": {"value": "A real concern"}},
        "identity": {"identity": {"selected_option": {"value": "open"}}},
    }
    state[block] = {block: forged}
    answer = post_submission(harness, view, state={"values": state}).json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [block]
    assert nothing_stored(harness)


@pytest.mark.parametrize(
    "metadata",
    [
        "",
        "{}",
        '{"form":"speak_up"}|' + "0" * 64,
        "{é}|x",
    ],
)
def test_tampered_private_metadata_is_refused_and_changes_nothing(
    harness: Harness, metadata: str
) -> None:
    view = open_raise_form(harness, "command")
    result = harness.workspace.submit_view(
        REPORTER, view, speak_up_values(), private_metadata=metadata
    )
    answer = result.json()
    assert answer["response_action"] == "errors"
    assert "changed on its way back" in answer["errors"]["description"]
    assert nothing_stored(harness)


def test_metadata_of_the_other_form_is_refused(harness: Harness) -> None:
    speak_up = open_raise_form(harness, "command")
    result = harness.workspace.submit_view(
        REPORTER,
        speak_up | {"callback_id": "raise_safeguarding"},
        {"description": "x", "identity": "open"},
    )
    assert "changed on its way back" in json.dumps(result.json())
    assert nothing_stored(harness)


def test_clean_text_keeps_what_people_type_and_drops_what_hides() -> None:
    assert clean_text("  Cafe\u0301  ", limit=10, required=True, label="x") == ("Café", "")
    assert clean_text("a\r\nb", limit=10, required=True, label="x") == ("a\nb", "")
    assert clean_text("", limit=10, required=False, label="x") == (None, "")
    assert clean_text(None, limit=10, required=True, label="where") == (
        None,
        "Please tell us where.",
    )
    for hidden in ("\u2066", "\ufeff", "\ud800", "\U000f0000", "\ufffe", "\x1b[31m"):
        assert clean_text(f"a{hidden}b", limit=10, required=True, label="x")[0] is None


# --- the date it happened is judged on the London calendar, not the server's UTC one -----


def test_happened_today_in_london_just_after_midnight_bst_is_accepted(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = harness.open_raise_modal()
    monkeypatch.setattr(harness.context, "clock", lambda: JUST_AFTER_MIDNIGHT_BST)
    answer = harness.submit(REPORTER, view, speak_up_values(happened_on="2025-06-11")).json()
    assert answer["response_action"] == "update", answer
