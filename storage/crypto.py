"""Encryption at rest: the key ring, per-concern envelope encryption, blind index, receipts.

Free text and reporter identity never reach the database in clear. Each concern has its own
random AES-256-GCM data key, stored only wrapped by a key-ring key. Every ciphertext carries
associated data naming its table, row and field, so a ciphertext copied to another row or
field fails to decrypt instead of showing the wrong text.

Every other secret the app needs (blind indexes, the audit chain's MAC) is derived from the
ring keys with HKDF under its own label, so no two purposes share a key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

KEY_BYTES = 32
NONCE_BYTES = 12
_FORMAT = b"\x01"  # leading version byte so the layout can change without guessing


class CryptoError(Exception):
    """Base for every encryption failure; never carries plaintext."""


class KeyConfigError(CryptoError):
    """The configured key ring is malformed."""


class UnknownKeyError(CryptoError):
    """A ciphertext names a key id that is not in the ring (a key was removed too early)."""


class DecryptionError(CryptoError):
    """A ciphertext failed authentication: tampered, truncated or moved to another field."""


def generate_key() -> str:
    """Return a new random key, base64-encoded, for SPEAKUP_ENCRYPTION_KEYS."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def derive(key: bytes, purpose: bytes) -> bytes:
    """A 32-byte key for one purpose, derived from `key` (HKDF-SHA256, `purpose` as info)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


def key_id(key: bytes) -> str:
    """The key's public name, stored beside what it wraps: 16 hex characters derived under
    their own label. Like any ciphertext it can confirm a guessed key, but it is no shortcut
    to one: keys are 32 random bytes (weak ones are refused), so there is nothing to guess."""
    return derive(key, b"speakup key id v2")[:8].hex()


def legacy_key_id(key: bytes) -> str:
    """The name rows written before key ids were derived carry (8 hex of a salted SHA-256);
    still recognised so those rows open, until `speakup keys rotate` rewraps them."""
    return hashlib.sha256(b"speakup-key-id:" + key).hexdigest()[:8]


# Fewer distinct byte values than this in 32 bytes is not a random key: 32 random bytes have
# about 30, and fewer than 16 happens by chance about three times in 10^17 draws.
_MIN_DISTINCT_BYTES = 16
_LONGEST_REPEAT = 16


def weakness(key: bytes) -> str | None:
    """Why `key` is plainly not 32 random bytes, or None. Catches the keys people type or
    paste by hand (all zeros, one letter, a repeated word, a counting sequence)."""
    if not any(key):
        return "all zeros"
    for period in range(1, _LONGEST_REPEAT + 1):
        if all(key[i] == key[i - period] for i in range(period, len(key))):
            return f"the same {period}-byte pattern repeated"
    steps = {(later - earlier) % 256 for earlier, later in pairwise(key)}
    if len(steps) == 1:
        return "a counting sequence"
    if len(set(key)) < _MIN_DISTINCT_BYTES:
        return f"only {len(set(key))} different byte values"
    return None


@dataclass(frozen=True)
class WrappedKey:
    """A data key encrypted under one ring key."""

    key_id: str
    blob: bytes


class KeyRing:
    """The configured master keys, newest first; the newest wraps, all of them unwrap."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise KeyConfigError("no encryption key configured")
        for position, key in enumerate(keys, start=1):
            if len(key) != KEY_BYTES:
                raise KeyConfigError("every key must be 32 bytes")
            if problem := weakness(key):
                raise KeyConfigError(f"key {position} is not random: {problem}")
            if key in keys[: position - 1]:
                raise KeyConfigError(
                    f"key {position} is the same as key {keys.index(key) + 1}; list each once"
                )
        self.key_ids = [key_id(key) for key in keys]
        self.legacy_ids = [legacy_key_id(key) for key in keys]
        self.newest_id = self.key_ids[0]
        # Rows name their key by either form; both find it.
        self._keys = {name: key for key, name in zip(keys, self.legacy_ids, strict=True)}
        self._keys.update(zip(self.key_ids, keys, strict=True))
        self._index_keys = [derive(key, b"speakup blind index v1") for key in keys]
        self._audit_keys = {
            name: derive(key, b"speakup audit chain v1")
            for name, key in zip(self.key_ids, keys, strict=True)
        }

    @classmethod
    def from_config(cls, value: str) -> KeyRing:
        """Parse comma-separated base64 keys; errors name the key's position, never its value."""
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts:
            raise KeyConfigError("no encryption key configured")
        keys: list[bytes] = []
        for position, part in enumerate(parts, start=1):
            try:
                key = base64.b64decode(part, validate=True)
            except (binascii.Error, ValueError):
                raise KeyConfigError(f"key {position} is not valid base64") from None
            if len(key) != KEY_BYTES:
                raise KeyConfigError(f"key {position} is {len(key)} bytes, not 32") from None
            keys.append(key)
        return cls(keys)

    def holds(self, name: str) -> bool:
        """Whether a key id (either form) names a key in the ring."""
        return name in self._keys

    def canonical_id(self, name: str) -> str | None:
        """The derived id of the ring key `name` (either form) names, or None."""
        key = self._keys.get(name)
        return None if key is None else key_id(key)

    def audit_key(self, name: str) -> bytes | None:
        """The audit chain's MAC key derived from the ring key `name`, or None."""
        return self._audit_keys.get(name)

    def wrap(self, data_key: bytes, *, context: str) -> WrappedKey:
        """Encrypt a data key under the newest ring key, bound to `context`."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._keys[self.newest_id]).encrypt(
            nonce, data_key, b"speakup-dek:" + context.encode()
        )
        return WrappedKey(self.newest_id, _FORMAT + nonce + sealed)

    def unwrap(self, wrapped: WrappedKey, *, context: str) -> bytes:
        """Recover a data key; raises UnknownKeyError or DecryptionError."""
        key = self._keys.get(wrapped.key_id)
        if key is None:
            raise UnknownKeyError(f"data key was wrapped by key {wrapped.key_id}, not in the ring")
        return _open(key, wrapped.blob, b"speakup-dek:" + context.encode())

    def blind_index(self, value: str) -> str:
        """Keyed HMAC of `value` under the newest key, for equality lookups without the value."""
        return _blind(self._index_keys[0], value.encode())

    def blind_index_candidates(self, value: str) -> list[str]:
        """The value's blind index under every ring key, newest first (lookups across rotation)."""
        message = value.encode()
        return [_blind(key, message) for key in self._index_keys]


def _blind(key: bytes, message: bytes) -> str:
    # Not hmac.digest: its one-shot path lets go of the interpreter lock for a microsecond's
    # work, and under load getting it back can take milliseconds.
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def new_data_key() -> bytes:
    """A fresh random AES-256 data key."""
    return AESGCM.generate_key(bit_length=256)


def field_context(table: str, row_id: str, field: str) -> bytes:
    """Associated data binding a ciphertext to one field of one row."""
    return f"speakup:{table}:{row_id}:{field}".encode()


def seal(data_key: bytes, plaintext: str, *, table: str, row_id: str, field: str) -> bytes:
    """Encrypt text with a concern's data key, bound to its table, row and field."""
    nonce = os.urandom(NONCE_BYTES)
    aad = field_context(table, row_id, field)
    return _FORMAT + nonce + AESGCM(data_key).encrypt(nonce, plaintext.encode("utf-8"), aad)


def open_sealed(data_key: bytes, blob: bytes, *, table: str, row_id: str, field: str) -> str:
    """Decrypt what `seal` produced for the same table, row and field."""
    return _open(data_key, blob, field_context(table, row_id, field)).decode("utf-8")


def shred_wrap(shred_key: bytes, wrapped: bytes, context: bytes) -> bytes:
    """Wrap an already ring-wrapped data key once more, under a shred key."""
    nonce = os.urandom(NONCE_BYTES)
    return _FORMAT + nonce + AESGCM(shred_key).encrypt(nonce, wrapped, context)


def shred_unwrap(shred_key: bytes, blob: bytes, context: bytes) -> bytes:
    """Undo `shred_wrap`; DecryptionError if the blob or its context was changed."""
    return _open(shred_key, blob, context)


def _open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != _FORMAT:
        raise DecryptionError("ciphertext is truncated or of an unknown format")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise DecryptionError("ciphertext failed authentication") from None


# Receipts for anonymous, no-contact reporters. Crockford's base32 alphabet has no I, L, O or
# U, so a receipt can be read aloud or copied by hand without ambiguity.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RECEIPT_GROUPS = 4
_GROUP_LEN = 4
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class Receipt:
    """A one-time receipt: the locator finds the row, the whole receipt proves ownership."""

    text: str  # shown once to the reporter, e.g. "7KQ2-M9XD-4HTR-B6WN"
    locator: str  # first group: its keyed tag finds the row without a full-table scrypt


def random_code(length: int) -> str:
    """`length` characters drawn uniformly from RECEIPT_ALPHABET (5 random bits each).

    One read of the system's random source for the lot: 256 is a multiple of the alphabet's
    32 letters, so each byte modulo 32 is uniform.
    """
    return "".join(RECEIPT_ALPHABET[byte % 32] for byte in secrets.token_bytes(length))


def new_receipt() -> Receipt:
    """A fresh receipt with 80 bits of randomness, of which 60 are never stored in clear."""
    code = random_code(_RECEIPT_GROUPS * _GROUP_LEN)
    groups = [code[i : i + _GROUP_LEN] for i in range(0, len(code), _GROUP_LEN)]
    return Receipt(text="-".join(groups), locator=groups[0])


def normalise_receipt(text: str) -> str | None:
    """Canonical form of what a reporter typed or pasted, or None if it cannot be a receipt.

    Forgiven, since people copy receipts from Slack, phones and documents: backticks and
    quotes (straight and curly), spaces of every kind (no-break, thin, zero-width and other
    invisible format characters), dashes of every kind (hyphen, non-breaking hyphen, figure
    dash, en and em dash, minus), brackets and punctuation at either end, lower case, missing
    hyphens, full-width forms, and Crockford's confusions: I and L read as 1, O as 0. Nothing
    is mapped to a character outside RECEIPT_ALPHABET.
    """
    kept = []
    for ch in unicodedata.normalize("NFKC", text):
        if ch.isspace() or ch in _RECEIPT_IGNORED:
            continue
        category = unicodedata.category(ch)
        if category in ("Cf", "Pd", "Pi", "Pf"):  # invisible, dashes, curly quotes
            continue
        kept.append(ch)
    cleaned = "".join(kept).strip(_RECEIPT_ENDS).upper()
    cleaned = cleaned.translate(_CROCKFORD_CONFUSIONS)
    if len(cleaned) != _RECEIPT_GROUPS * _GROUP_LEN:
        return None
    if any(ch not in RECEIPT_ALPHABET for ch in cleaned):
        return None
    return "-".join(cleaned[i : i + _GROUP_LEN] for i in range(0, len(cleaned), _GROUP_LEN))


# Characters dropped wherever they are: quotes and backticks that are not Pi/Pf (straight
# quotes, backtick, acute accent, primes, low-9 quotes), and the minus sign (a maths symbol,
# not a dash, to Unicode).
_RECEIPT_IGNORED = frozenset("'\"`\u00b4\u2032\u2033\u201a\u201e\u2212")
_RECEIPT_ENDS = ".,;:!?…()[]{}<>*_~"
_CROCKFORD_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def hash_receipt(receipt_text: str) -> str:
    """Slow salted hash (scrypt) of a canonical receipt, self-describing for later checks."""
    salt = os.urandom(16)
    digest = _scrypt(salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P).derive(receipt_text.encode())
    salt_text = base64.b64encode(salt).decode()
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt_text}${digest.hex()}"


def verify_receipt(receipt_text: str, stored: str) -> bool:
    """Constant-time check of a canonical receipt against `hash_receipt` output."""
    try:
        scheme, n, r, p, salt_b64, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest_hex)
        actual = _scrypt(base64.b64decode(salt_b64), int(n), int(r), int(p)).derive(
            receipt_text.encode()
        )
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(expected, actual)


def _scrypt(salt: bytes, n: int, r: int, p: int) -> Scrypt:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p)


def receipt_locator_tag(ring: KeyRing, group: str) -> str:
    """The stored locator for a receipt's first group: keyed under the newest key, so the
    database alone says nothing about any receipt."""
    return ring.blind_index("receipt-locator:" + group)[:32]


def receipt_locator_tags(ring: KeyRing, group: str) -> list[str]:
    """The group's locator under every key in the ring (lookups across a key rotation)."""
    return [tag[:32] for tag in ring.blind_index_candidates("receipt-locator:" + group)]
