"""storage.crypto on its own: envelope encryption, the key ring, blind index and receipts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.crypto import (
    RECEIPT_ALPHABET,
    DecryptionError,
    KeyConfigError,
    KeyRing,
    UnknownKeyError,
    WrappedKey,
    generate_key,
    hash_receipt,
    new_data_key,
    new_receipt,
    normalise_receipt,
    open_sealed,
    random_code,
    seal,
    verify_receipt,
)

OLD = hashlib.sha256(b"old key").digest()
NEW = hashlib.sha256(b"new key").digest()
ROW = {"table": "concerns", "row_id": "c-1", "field": "report"}


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


# -- sealing free text -----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=500), row_id=st.text(min_size=1, max_size=40))
def test_seal_round_trips_any_text(text: str, row_id: str) -> None:
    key = new_data_key()
    blob = seal(key, text, table="concerns", row_id=row_id, field="report")
    assert open_sealed(key, blob, table="concerns", row_id=row_id, field="report") == text


def test_the_same_text_seals_differently_each_time() -> None:
    key = new_data_key()
    first = seal(key, "same words", **ROW)
    second = seal(key, "same words", **ROW)
    assert first != second
    assert b"same words" not in first


@pytest.mark.parametrize(
    "moved_to",
    [
        {"table": "concerns", "row_id": "c-2", "field": "report"},  # another row
        {"table": "concerns", "row_id": "c-1", "field": "reporter"},  # another field
        {"table": "concern_events", "row_id": "c-1", "field": "report"},  # another table
    ],
)
def test_ciphertext_moved_to_another_place_does_not_open(moved_to: dict[str, str]) -> None:
    key = new_data_key()
    blob = seal(key, "rota gaps on nights", **ROW)
    with pytest.raises(DecryptionError):
        open_sealed(key, blob, **moved_to)


def test_ciphertext_under_another_data_key_does_not_open() -> None:
    blob = seal(new_data_key(), "text", **ROW)
    with pytest.raises(DecryptionError):
        open_sealed(new_data_key(), blob, **ROW)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_flipped_bit_is_detected(data: st.DataObject) -> None:
    key = new_data_key()
    blob = bytearray(seal(key, "the ambulance was late again", **ROW))
    position = data.draw(st.integers(min_value=0, max_value=len(blob) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    blob[position] ^= 1 << bit
    with pytest.raises(DecryptionError):
        open_sealed(key, bytes(blob), **ROW)


@pytest.mark.parametrize("cut", [0, 1, 12, 20, 28])
def test_truncated_ciphertext_is_a_decryption_error(cut: int) -> None:
    key = new_data_key()
    blob = seal(key, "x", **ROW)
    with pytest.raises(DecryptionError):
        open_sealed(key, blob[:cut], **ROW)


# -- the key ring ----------------------------------------------------------------------


def test_wrapped_data_key_round_trips_and_is_bound_to_its_concern() -> None:
    ring = KeyRing([NEW])
    data_key = new_data_key()
    wrapped = ring.wrap(data_key, context="concerns:c-1")
    assert wrapped.key_id == ring.newest_id
    assert data_key not in wrapped.blob
    assert ring.unwrap(wrapped, context="concerns:c-1") == data_key
    with pytest.raises(DecryptionError):
        ring.unwrap(wrapped, context="concerns:c-2")


def test_tampered_wrapped_key_is_a_decryption_error() -> None:
    ring = KeyRing([NEW])
    wrapped = ring.wrap(new_data_key(), context="concerns:c-1")
    blob = bytearray(wrapped.blob)
    blob[-1] ^= 0x01
    with pytest.raises(DecryptionError):
        ring.unwrap(WrappedKey(wrapped.key_id, bytes(blob)), context="concerns:c-1")


def test_key_id_not_in_the_ring_is_an_unknown_key_error() -> None:
    wrapped = KeyRing([OLD]).wrap(new_data_key(), context="concerns:c-1")
    with pytest.raises(UnknownKeyError) as raised:
        KeyRing([NEW]).unwrap(wrapped, context="concerns:c-1")
    assert wrapped.key_id in str(raised.value)


def test_rotation_new_key_wraps_and_old_data_still_opens() -> None:
    before = KeyRing([OLD])
    data_key = new_data_key()
    old_wrapped = before.wrap(data_key, context="concerns:c-1")

    after = KeyRing.from_config(f"{b64(NEW)}, {b64(OLD)}")
    assert after.key_ids == [KeyRing([NEW]).newest_id, before.newest_id]
    assert after.unwrap(old_wrapped, context="concerns:c-1") == data_key
    new_wrapped = after.wrap(data_key, context="concerns:c-1")
    assert new_wrapped.key_id == after.newest_id != old_wrapped.key_id
    # A ring that has dropped the new key cannot open what it wrapped.
    with pytest.raises(UnknownKeyError):
        before.unwrap(new_wrapped, context="concerns:c-1")


def test_blind_index_is_keyed_stable_and_found_across_rotation() -> None:
    before = KeyRing([OLD])
    after = KeyRing([NEW, OLD])
    stored = before.blind_index("U0REPORTER")
    assert stored == before.blind_index("U0REPORTER")
    assert "U0REPORTER" not in stored
    assert re.fullmatch(r"[0-9a-f]{64}", stored)
    assert stored != before.blind_index("U0OTHER")
    assert stored != KeyRing([NEW]).blind_index("U0REPORTER")  # keyed, not a plain hash
    candidates = after.blind_index_candidates("U0REPORTER")
    assert candidates == [after.blind_index("U0REPORTER"), stored]


def test_blind_index_key_is_not_the_wrapping_key() -> None:
    # The HMAC key is derived, so an index never equals a plain HMAC under the ring key.
    plain = hmac.new(OLD, b"U0REPORTER", hashlib.sha256).hexdigest()
    assert KeyRing([OLD]).blind_index("U0REPORTER") != plain


def test_generated_key_is_accepted_by_the_ring() -> None:
    key = generate_key()
    assert len(base64.b64decode(key, validate=True)) == 32
    assert generate_key() != key
    assert KeyRing.from_config(key).newest_id


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("", "no encryption key configured"),
        (" , ,", "no encryption key configured"),
        ("not base64!!", "key 1 is not valid base64"),
        (f"{b64(NEW)},{b64(b'short')}", "key 2 is 5 bytes, not 32"),
        (f"{b64(NEW)},{b64(OLD)},@@@@", "key 3 is not valid base64"),
    ],
)
def test_malformed_key_config_names_the_position_not_the_value(config: str, message: str) -> None:
    with pytest.raises(KeyConfigError) as raised:
        KeyRing.from_config(config)
    assert str(raised.value) == message
    for part in config.split(","):
        if part.strip():
            assert part.strip() not in str(raised.value)


def test_secret_looking_bad_key_is_not_echoed() -> None:
    secret = b64(os.urandom(31))  # valid base64, wrong length: looks like a real key
    with pytest.raises(KeyConfigError) as raised:
        KeyRing.from_config(secret)
    assert secret not in str(raised.value)
    assert "key 1" in str(raised.value)


@pytest.mark.parametrize(
    ("key", "why"),
    [
        (bytes(32), "all zeros"),
        (b"A" * 32, "1-byte pattern repeated"),
        (b"hunter2!" * 4, "8-byte pattern repeated"),
        (hashlib.sha256(b"x").digest()[:16] * 2, "16-byte pattern repeated"),
        (bytes(range(32)), "a counting sequence"),
        (bytes(range(7, 7 + 3 * 32, 3)), "a counting sequence"),
        (bytes(b % 12 * 17 for b in hashlib.sha256(b"y").digest()), "different byte values"),
    ],
)
def test_ring_refuses_keys_that_are_not_random(key: bytes, why: str) -> None:
    with pytest.raises(KeyConfigError) as raised:
        KeyRing.from_config(f"{b64(NEW)},{b64(key)}")
    assert str(raised.value).startswith("key 2 is not random: ")
    assert why in str(raised.value)
    assert b64(key) not in str(raised.value)


def test_ring_refuses_the_same_key_twice() -> None:
    with pytest.raises(KeyConfigError) as raised:
        KeyRing.from_config(f"{b64(NEW)},{b64(OLD)},{b64(NEW)}")
    assert str(raised.value) == "key 3 is the same as key 1; list each once"


def test_generated_keys_are_never_refused() -> None:
    for _ in range(200):
        KeyRing.from_config(generate_key())


def test_key_id_is_derived_under_its_own_label_and_old_ids_still_open() -> None:
    ring = KeyRing([NEW, OLD])
    assert re.fullmatch(r"[0-9a-f]{16}", ring.newest_id)
    # Not a plain or salted hash of the key, as ids were before.
    for plain in (
        hashlib.sha256(NEW).hexdigest(),
        hashlib.sha256(b"speakup-key-id:" + NEW).hexdigest(),
    ):
        assert ring.newest_id not in plain
    assert ring.key_ids[1] != ring.legacy_ids[1]
    # A row written before carries the old form of the id: it still unwraps.
    wrapped = KeyRing([OLD]).wrap(b"k" * 32, context="concerns:c-1")
    legacy = WrappedKey(hashlib.sha256(b"speakup-key-id:" + OLD).hexdigest()[:8], wrapped.blob)
    assert ring.unwrap(legacy, context="concerns:c-1") == b"k" * 32
    assert ring.canonical_id(legacy.key_id) == ring.key_ids[1]


def test_ring_refuses_keys_of_the_wrong_size() -> None:
    with pytest.raises(KeyConfigError):
        KeyRing([])
    with pytest.raises(KeyConfigError):
        KeyRing([b"x" * 16])


# -- receipts --------------------------------------------------------------------------


def test_receipt_is_four_groups_of_four_from_crockford_alphabet() -> None:
    assert set(RECEIPT_ALPHABET).isdisjoint(set("ILOU"))
    seen = set()
    for _ in range(50):
        receipt = new_receipt()
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", receipt.text)
        assert receipt.locator == receipt.text[:4]
        assert normalise_receipt(receipt.text) == receipt.text
        seen.add(receipt.text)
    assert len(seen) == 50


def test_random_codes_use_every_letter_of_the_alphabet_evenly() -> None:
    # A byte modulo the alphabet's length is uniform only if the length divides 256.
    assert len(RECEIPT_ALPHABET) == 32 and len(set(RECEIPT_ALPHABET)) == 32
    drawn = "".join(random_code(8) for _ in range(4000))
    assert len(random_code(6)) == 6 and set(drawn) <= set(RECEIPT_ALPHABET)
    counts = [drawn.count(letter) for letter in RECEIPT_ALPHABET]
    # 1000 expected of each; a biased draw (e.g. over 36 letters) is far outside this band.
    assert min(counts) > 800 and max(counts) < 1200


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("7kq2-m9xd-4htr-b6wn", "7KQ2-M9XD-4HTR-B6WN"),
        ("  7KQ2 M9XD 4HTR B6WN ", "7KQ2-M9XD-4HTR-B6WN"),
        ("7KQ2M9XD4HTRB6WN", "7KQ2-M9XD-4HTR-B6WN"),
        ("O0O0-oooo-IiLl-1111", "0000-0000-1111-1111"),
    ],
)
def test_normalise_receipt_forgives_how_people_type(typed: str, canonical: str) -> None:
    assert normalise_receipt(typed) == canonical


@pytest.mark.parametrize(
    "typed", ["", "7KQ2-M9XD-4HTR", "7KQ2-M9XD-4HTR-B6WN-AAAA", "UUUU-M9XD-4HTR-B6WN", "7KQ2_M9XD"]
)
def test_normalise_receipt_rejects_what_cannot_be_a_receipt(typed: str) -> None:
    assert normalise_receipt(typed) is None


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet=RECEIPT_ALPHABET.lower() + " -", max_size=30))
def test_normalise_receipt_is_idempotent(typed: str) -> None:
    once = normalise_receipt(typed)
    if once is not None:
        assert normalise_receipt(once) == once


def test_receipt_hash_verifies_only_the_right_receipt() -> None:
    receipt = new_receipt().text
    stored = hash_receipt(receipt)
    assert stored.startswith("scrypt$")
    assert receipt not in stored
    assert receipt.replace("-", "") not in stored
    assert verify_receipt(receipt, stored)
    assert hash_receipt(receipt) != stored  # salted
    other = new_receipt().text
    assert not verify_receipt(other, stored)
    typed = normalise_receipt(receipt.lower().replace("-", " "))
    assert typed is not None
    assert verify_receipt(typed, stored)


@pytest.mark.parametrize(
    "stored", ["", "bcrypt$1$2$3$4$5", "scrypt$16384$8$1$!!!$00", "scrypt$x$8$1$AAAA$00"]
)
def test_malformed_stored_receipt_hash_never_verifies(stored: str) -> None:
    assert not verify_receipt("7KQ2-M9XD-4HTR-B6WN", stored)
