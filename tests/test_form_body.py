"""Interaction payloads decoded fast, exactly as the standard library (and Bolt) decode them,
and still refused when their signature is wrong."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote_plus, unquote_plus, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_bolt.request.internals import parse_body
from sqlalchemy import func, select

from bot.runtime.form_body import FORM, form_unquote, interaction_payload, parse_slack_body
from storage.models import Concern
from tests.harness import REPORTER, Harness

# Every character that means something to either decoder, and some that do not.
TRICKY = st.text(alphabet="%+=&;\r\n \t0123456789abcdefABCDEFxyzG_é✓\x00", max_size=60)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.text())
def test_anything_encoded_as_a_form_decodes_back_to_itself(text: str) -> None:
    assert form_unquote(quote_plus(text)) == text


@given(TRICKY)
def test_any_string_at_all_decodes_as_the_standard_library_decodes_it(value: str) -> None:
    assert form_unquote(value) == unquote_plus(value)


@given(st.dictionaries(st.text(), JSON_VALUES, max_size=6))
def test_a_payload_reads_as_bolt_reads_it(payload: dict[str, Any]) -> None:
    body = urlencode({"payload": json.dumps(payload)})
    assert interaction_payload(body, FORM) == parse_body(body, FORM) == payload


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("command=%2Fspeakup&text=", FORM),  # a slash command
        ('{"type": "event_callback"}', "application/json"),  # an event
        ("payload=%7B%7D&extra=1", FORM),  # more than the payload
        ("payload=%7B%7D", "application/json"),  # not a form
        ("payload=%7Bnot+json", FORM),  # Bolt answers these as it always has
        ("payload=%5B1%5D", FORM),  # a list, not an interaction
    ],
)
def test_anything_else_is_left_to_bolt(body: str, content_type: str) -> None:
    assert interaction_payload(body, content_type) is None


def forged_submission(harness: Harness) -> str:
    view = harness.open_raise_modal()
    values = {"elements": ["other"], "description": "Never stored", "identity": "open"}
    payload = {
        "type": "view_submission",
        "user": {"id": REPORTER},
        "view": {**view, "state": {"values": {}}},
        "values": values,
    }
    return urlencode({"payload": json.dumps(payload)})


def test_an_interaction_with_a_forged_signature_is_refused(harness: Harness) -> None:
    result = harness.workspace.post_signed(
        forged_submission(harness), FORM, signature="v0=" + "0" * 64
    )
    assert result.status == 401
    with harness.context.db.transaction() as session:
        assert session.scalar(select(func.count(Concern.id))) == 0


def test_a_stale_interaction_is_refused(harness: Harness) -> None:
    result = harness.workspace.post_signed(
        forged_submission(harness), FORM, timestamp=int(time.time()) - 301
    )
    assert result.status == 401


def test_a_slash_command_mentioning_payload_keeps_its_fields() -> None:
    # Bolt's own parser reads any form body containing "payload" as an empty interaction.
    raw = b"token=x&command=%2Fspeakup&text=status+payload&user_id=U1"
    assert parse_slack_body(raw, FORM) == {
        "token": "x",
        "command": "/speakup",
        "text": "status payload",
        "user_id": "U1",
    }
