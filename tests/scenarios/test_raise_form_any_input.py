"""Property tests: whatever arrives at the submission path, over signed HTTP, the app answers
(never a 500) and either stores one whole concern or nothing at all."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.demo.simulator.workspace import HttpResult
from bot.domain.taxonomy import DESCRIPTION_MAX
from bot.slack.receipt_page import NO_MATCH
from storage.models import AuditEntry, Concern, ConcernEvent, OutboxItem
from tests.support.harness import REPORTER, Harness
from tests.support.raise_helpers import open_raise_form, post_submission, switch_to_safeguarding

REFERENCE = re.compile(r"\b(?:SU|SG)-[0-9A-Z]{6}\b")

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any code point at all: controls, format characters, lone surrogates, private use, emoji.
any_char = st.characters(codec=None, categories=None)
any_text = st.one_of(
    st.text(any_char, max_size=60),
    st.text(any_char, min_size=DESCRIPTION_MAX - 5, max_size=DESCRIPTION_MAX + 5),
    st.builds(lambda c, n: c * n, any_char, st.integers(1, 6000)),
    st.sampled_from(["", "   ", "\n\t", "\u202egnp.exe", "👩‍⚕️ 🏴󠁧󠁢󠁥󠁮󠁧󠁿", "a\u0000b", "\r\nline"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)

_views: dict[int, dict[str, dict[str, Any]]] = {}


def raise_form(harness: Harness, kind: str) -> dict[str, Any]:
    """One opened form per test run; every example submits it under a fresh view id."""
    forms = _views.setdefault(id(harness), {})
    if kind not in forms:
        view = open_raise_form(harness, "command")
        forms[kind] = (
            switch_to_safeguarding(harness, view, REPORTER) if kind != "speak_up" else view
        )
    return forms[kind]


def counts(harness: Harness) -> tuple[int, int, int, int]:
    with harness.context.db.transaction() as session:
        return (
            int(session.scalar(select(func.count(Concern.id))) or 0),
            int(
                session.scalar(
                    select(func.count(ConcernEvent.id)).where(ConcernEvent.kind == "raised")
                )
                or 0
            ),
            int(session.scalar(select(func.count(OutboxItem.id))) or 0),
            int(
                session.scalar(
                    select(func.count(AuditEntry.seq)).where(AuditEntry.action == "concern.raised")
                )
                or 0
            ),
        )


def check_answer(harness: Harness, result: HttpResult, before: tuple[int, ...]) -> None:
    """200, and either field errors with nothing stored, or one whole concern."""
    assert result.status == 200, result.body[:300]
    answer = result.json()
    after = counts(harness)
    event(f"answer: {answer['response_action']}")
    if answer["response_action"] == "errors":
        assert answer["errors"] and all(isinstance(v, str) for v in answer["errors"].values())
        assert after == before
        return
    assert answer["response_action"] == "update"
    concerns, raised, _, audited = after
    assert concerns == before[0] + 1
    assert raised == concerns and audited == concerns
    assert after[2] > before[2]  # its card (and any DM) queued with it
    with harness.context.db.transaction() as session:
        # By the reference shown: a no-contact concern's time is kept only to the hour.
        shown = re.search(r"S[UG]-[0-9A-Z]{6}", json.dumps(answer["view"]))
        assert shown is not None
        concern = session.scalars(select(Concern).where(Concern.reference == shown.group(0))).one()
        report = harness.context.vault.open_json(
            harness.context.vault.concern_key(concern),
            concern.report_enc,
            table="concerns",
            row_id=concern.id,
            field="report",
        )
    assert 0 < len(report["description"]) <= DESCRIPTION_MAX


def submit_and_check(harness: Harness, kind: str, values: dict[str, Any]) -> None:
    """Type `values` into the `kind` form, submit it under a fresh view id, and check the answer."""
    view = raise_form(harness, kind)
    before = counts(harness)
    result = harness.workspace.submit_view(
        REPORTER, view, values, view_id=f"V{uuid.uuid4().hex[:10].upper()}"
    )
    check_answer(harness, result, before)


@PROPERTY_SETTINGS
@given(
    description=any_text,
    location=any_text,
    raised_before=any_text,
    hoped=any_text,
    identity=st.sampled_from(
        ["open", "confidential", "anonymous_follow_up", "anonymous_no_contact"]
    ),
)
def test_any_typed_text_gets_an_answer_and_never_half_a_concern(
    harness: Harness, description: str, location: str, raised_before: str, hoped: str, identity: str
) -> None:
    submit_and_check(
        harness,
        "speak_up",
        {
            "elements": ["patient_safety", "other"],
            "description": description,
            "location": location,
            "raised_before": raised_before,
            "hoped_outcome": hoped,
            "identity": identity,
        },
    )


@PROPERTY_SETTINGS
@given(description=any_text, location=any_text, incident=any_text)
def test_any_safeguarding_text_gets_an_answer_and_never_half_a_concern(
    harness: Harness, description: str, location: str, incident: str
) -> None:
    submit_and_check(
        harness,
        "safeguarding",
        {
            "at_risk": "adult",
            "immediate_danger": "no",
            "location": location,
            "incident_number": incident,
            "description": description,
            "identity": "anonymous_no_contact",
        },
    )


block_ids = st.sampled_from(
    ["elements", "description", "identity", "location", "happened_on", "site", "detriment",
     "professional_group", "raised_before", "hoped_outcome", "unknown"]
)  # fmt: skip


def valid_state() -> dict[str, Any]:
    def option(value: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": value}, "value": value}

    return {
        "elements": {"elements": {"type": "checkboxes", "selected_options": [option("other")]}},
        "description": {"description": {"type": "plain_text_input", "value": "Valid text"}},
        "identity": {"identity": {"type": "radio_buttons", "selected_option": option("open")}},
    }


def perturbed(block: str, junk: Any, nested: bool) -> dict[str, Any]:
    """A valid state with one block (or its element) replaced by anything at all."""
    state = valid_state()
    state[block] = {block: junk} if nested else junk
    return state


@PROPERTY_SETTINGS
@given(
    state=st.one_of(
        json_values,
        st.dictionaries(block_ids, json_values),
        st.dictionaries(block_ids, st.dictionaries(block_ids, json_values)),
        st.builds(perturbed, block_ids, json_values, st.booleans()),
    )
)
def test_any_state_shape_is_answered_without_a_crash(harness: Harness, state: Any) -> None:
    view = raise_form(harness, "speak_up")
    before = counts(harness)
    result = post_submission(harness, view, state={"values": state})
    check_answer(harness, result, before)


@PROPERTY_SETTINGS
@given(metadata=st.one_of(st.text(any_char, max_size=4000), json_values.map(json.dumps)))
def test_altered_private_metadata_is_refused_and_stores_nothing(
    harness: Harness, metadata: str
) -> None:
    view = raise_form(harness, "speak_up")
    before = counts(harness)
    result = harness.workspace.submit_view(
        REPORTER,
        view,
        {"elements": ["other"], "description": "Fine text", "identity": "open"},
        private_metadata=metadata,
        view_id=f"V{uuid.uuid4().hex[:10].upper()}",
    )
    assert result.status == 200
    answer = result.json()
    assert answer["response_action"] == "errors"
    assert "changed on its way back" in answer["errors"]["description"]
    assert counts(harness) == before


@PROPERTY_SETTINGS
@given(
    typed=st.one_of(st.text(max_size=80), st.from_regex(r"[0-9A-Za-z -]{16,24}", fullmatch=True))
)
def test_any_receipt_text_gets_the_same_plain_answer(harness: Harness, typed: str) -> None:
    """Every wrong receipt, however odd, gets the one plain answer (or the pause after many)."""
    user = f"U0P{uuid.uuid4().hex[:8].upper()}"  # a new person each time: no pause
    result = harness.workspace.slash_command(user, "/speakup", f"status {typed}")
    assert result.status == 200
    if typed.strip():
        assert result.json()["text"] == NO_MATCH
