"""What a stranger (or a broken client) can send to POST /slack/events, and what it costs us.

Forged requests are refused on their signature before anything is parsed; oversized ones
before they are read; malformed ones from a verified sender get 400. None of them gets a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import socket
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt.request.internals import parse_body
from sqlalchemy import func, select

from bot.runtime.form_body import FORM, JSON, MalformedBody, parse_slack_body
from bot.runtime.web import MAX_BODY_BYTES, TooLarge, read_body, signed_by_slack
from storage.models import Concern
from tests.support.harness import SIGNING_SECRET, Harness

FORGED = "v0=" + "0" * 64
DEEP = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"type": "event_callback", "event": ' + '{"a": ' * 10_000 + "1" + "}" * 10_001


def post(
    harness: Harness, body: str | bytes, content_type: str = JSON, *, forged: bool = False
) -> tuple[int, float]:
    """POST raw bytes, signed correctly unless `forged`; (status, seconds)."""
    raw = body.encode() if isinstance(body, str) else body
    ts = str(int(time.time()))
    signature = FORGED
    if not forged:  # Slack's scheme, computed on the bytes themselves
        digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + raw, "sha256")
        signature = "v0=" + digest.hexdigest()
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }
    return _send(harness.server.port, headers, [raw], len(raw))


def _send(
    port: int, headers: dict[str, str], chunks: Iterator[bytes] | list[bytes], length: int | None
) -> tuple[int, float]:
    """A raw HTTP/1.1 POST that streams `chunks` (chunked when `length` is None) and stops
    sending as soon as the server answers or hangs up; (status, seconds to the answer)."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = "POST /slack/events HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        head += (
            "Transfer-Encoding: chunked\r\n" if length is None else f"Content-Length: {length}\r\n"
        )
        sock.sendall((head + "\r\n").encode())
        try:
            for chunk in chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if length is None else chunk)
            if length is None:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered before taking it all, and hung up: as it should
        answer = b""
        while b"\r\n" not in answer:
            part = sock.recv(4096)
            if not part:
                break
            answer += part
    status = int(answer.split(b" ", 2)[1])
    return status, time.perf_counter() - started


def stored_concerns(harness: Harness) -> int:
    with harness.context.db.transaction() as session:
        return int(session.scalar(select(func.count(Concern.id))) or 0)


# --- forged and oversized: refused before any work ----------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json at all", JSON),
        (DEEP, JSON),
        (DEEP_OBJECT, JSON),
        ("payload=" + "%5B" * 10_000, FORM),
        (b"\xff\xfe not utf-8", JSON),
        ("", JSON),
        ('{"type": "event_callback", "event": "not an object"}', JSON),
    ],
)
def test_a_forged_request_is_refused_on_its_signature_whatever_its_body(
    harness: Harness, body: str | bytes, content_type: str
) -> None:
    status, seconds = post(harness, body, content_type, forged=True)
    assert status == 401
    assert seconds < 1.0


def test_a_40_mb_body_is_refused_unread_with_flat_memory(harness: Harness) -> None:
    total = 40 * 1024 * 1024
    chunk = b"[" * 65536

    def body() -> Iterator[bytes]:
        for _ in range(total // len(chunk)):
            yield chunk

    headers = {"Content-Type": JSON, "X-Slack-Request-Timestamp": "1", "X-Slack-Signature": FORGED}
    tracemalloc.start()
    try:
        status, seconds = _send(harness.server.port, headers, body(), total)
        declared_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        chunked_status, chunked_seconds = _send(harness.server.port, headers, body(), None)
        chunked_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (status, chunked_status) == (413, 413)
    assert seconds < 1.0 and chunked_seconds < 2.0
    # Streamed, never held: the whole process allocated well under the body's size.
    assert declared_peak < 5 * 1024 * 1024, declared_peak
    assert chunked_peak < 5 * 1024 * 1024, chunked_peak


def test_a_body_just_over_the_limit_is_refused_and_one_at_it_is_read(harness: Harness) -> None:
    over, _ = post(harness, b"x" * (MAX_BODY_BYTES + 1), FORM, forged=True)
    at, _ = post(harness, b"x" * MAX_BODY_BYTES, FORM, forged=True)
    assert (over, at) == (413, 401)  # at the limit it is read, then refused on its signature


# --- malformed from a verified sender: 400, nothing changed -------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json at all", JSON),
        (DEEP, JSON),
        (DEEP_OBJECT, JSON),
        ("[1, 2, 3]", JSON),
        ('"just a string"', JSON),
        (b"\xff\xfe not utf-8", JSON),
        ("", JSON),
        ("payload=%7Bnot+json", FORM),
        ("payload=" + "%5B" * 10_000 + "%5D" * 10_000, FORM),
        ("payload=%5B1%5D", FORM),
        ('{"type": "event_callback", "event": "not an object"}', JSON),
        ('{"type": "event_callback", "event": {"type": 7}}', JSON),
        ('{"type": "event_callback", "event": {}}', JSON),
        ('{"type": "block_actions", "user": ["U1"], "actions": []}', JSON),
        ('{"type": "block_actions", "user": {"id": "U1"}, "actions": [1]}', JSON),
        ('{"type": "block_actions", "actions": null}', JSON),
        ("payload=" + quote('{"type": "block_actions", "actions": null}'), FORM),
        ('{"type": "view_submission", "view": [], "user": {"id": "U1"}}', JSON),
        ('{"type": "event_callback", "authorizations": {"team_id": "T1"}, "event": {}}', JSON),
        ('{"type": 12}', JSON),
        ('{"command": ["/speakup"]}', JSON),
    ],
)
def test_a_malformed_body_from_slack_is_a_400_and_changes_nothing(
    harness: Harness, body: str | bytes, content_type: str
) -> None:
    status, seconds = post(harness, body, content_type)
    assert status == 400
    assert seconds < 1.0
    assert stored_concerns(harness) == 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
SLACK_FIELDS = st.sampled_from(
    ["type", "event", "user", "team", "enterprise", "channel", "view", "container", "message",
     "actions", "authorizations", "command", "trigger_id", "api_app_id", "is_enterprise_install",
     "enterprise_id", "team_id", "callback_id", "event_id"]
)  # fmt: skip
SLACK_TYPES = st.sampled_from(
    ["event_callback", "block_actions", "view_submission", "view_closed", "shortcut",
     "block_suggestion", "message_action", "app_rate_limited", "url_verification", "something_new"]
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=SLACK_TYPES,
    fields=st.dictionaries(SLACK_FIELDS, JSON_VALUES, max_size=6),
    as_form=st.booleans(),
)
def test_no_envelope_a_verified_sender_can_shape_gets_a_500(
    harness: Harness, kind: str, fields: dict[str, Any], as_form: bool
) -> None:
    fields.setdefault("type", kind)
    text = json.dumps(fields)
    status, _ = (
        post(harness, urlencode({"payload": text}), FORM) if as_form else post(harness, text, JSON)
    )
    assert status < 500, (status, text)


# --- the pieces -------------------------------------------------------------------------------


def test_the_signature_is_slacks_v0_hmac_over_the_raw_bytes() -> None:
    secret, now = b"secret", 1_700_000_000.0
    raw = b'{"type":"x"}\xff'  # not even UTF-8: the bytes are what is signed
    good = "v0=" + hmac.new(secret, b"v0:1700000000:" + raw, hashlib.sha256).hexdigest()
    assert signed_by_slack(secret, raw, "1700000000", good, now)
    assert not signed_by_slack(secret, raw + b" ", "1700000000", good, now)
    assert not signed_by_slack(b"other", raw, "1700000000", good, now)
    assert not signed_by_slack(secret, raw, "1700000000", good, now + 301)  # stale
    assert not signed_by_slack(secret, raw, "1700000000", good, now - 301)  # from the future
    for timestamp in (None, "", "abc", "+1700000000", "1700000000.0", "\uff11\uff17"):
        assert not signed_by_slack(secret, raw, timestamp, good, now)
    for signature in (None, "", "v0=", good.upper(), "v0=é" + good[4:]):
        assert not signed_by_slack(secret, raw, "1700000000", signature, now)


class CountingStream(io.RawIOBase):
    """An endless request body that counts what was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        assert size >= 0, "an unbounded read"
        self.read_bytes += size
        return b"x" * size


def test_a_body_of_unknown_length_is_read_only_to_one_byte_past_the_limit() -> None:
    stream = CountingStream()
    with pytest.raises(TooLarge):
        read_body({"wsgi.input": stream}, limit=1000)
    assert stream.read_bytes == 1001
    declared = CountingStream()
    with pytest.raises(TooLarge):
        read_body({"wsgi.input": declared, "CONTENT_LENGTH": str(10**12)}, limit=1000)
    assert declared.read_bytes == 0
    assert read_body({"wsgi.input": io.BytesIO(b"abc")}, limit=1000) == b"abc"
    assert read_body({"wsgi.input": io.BytesIO(b"abcdef"), "CONTENT_LENGTH": "3"}) == b"abc"
    with pytest.raises(MalformedBody):
        read_body({"wsgi.input": io.BytesIO(b""), "CONTENT_LENGTH": "-5"})


@given(st.dictionaries(st.text(), JSON_VALUES, max_size=5))
def test_a_signed_body_parses_as_bolt_parses_it(payload: dict[str, Any]) -> None:
    payload["type"] = "block_actions"
    for body, content_type in (
        (urlencode({"payload": json.dumps(payload)}), FORM),
        (json.dumps(payload), JSON),
    ):
        try:
            parsed = parse_slack_body(body.encode(), content_type)
        except MalformedBody:
            continue  # a shape Bolt's middleware would crash on
        assert parsed == parse_body(body, content_type)


def test_a_slash_command_parses_as_a_form_even_when_its_text_says_payload() -> None:
    body = urlencode({"command": "/speakup", "text": "status payload", "user_id": "U1"})
    assert parse_slack_body(body.encode(), FORM)["text"] == "status payload"
