"""Per-concern envelope encryption over the models: one data key per concern, and the facts
that decide who may see what sealed with it.

Whoever can write the database could otherwise turn an anonymous concern into a confidential
one (and show the reporter's name), move a concern to the other team, point a receipt at
someone else's concern, or mark an internal note as meant for the reporter. So:

- a concern's data key is wrapped with its access facts (identity mode, kind, the reporter
  link: sealed id present, blind index, receipt hash) in the associated data: change one and
  the key no longer unwraps;
- every timeline event carries a MAC over its facts (visibility, kind, summary, who, when)
  under a key derived from the concern's data key.

Either failing raises IntegrityCheckFailed, and nothing is shown. Rows from before this
(seal_version 1, events without a tag) open the old way until `speakup keys rotate`
re-seals them; a version-2 row cannot be passed off as version 1, because its key was
wrapped with the version in the associated data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from storage.crypto import (
    DecryptionError,
    KeyRing,
    WrappedKey,
    derive,
    new_data_key,
    open_sealed,
    seal,
    shred_unwrap,
    shred_wrap,
)
from storage.models import Concern, ConcernEvent
from storage.shred_keys import ShredKeyMissing, ShredKeys

SEAL_VERSION = 2


class IntegrityCheckFailed(Exception):
    """A concern's sealed facts do not match its columns: someone changed the database
    behind the app's back. Nothing of the concern may be shown."""

    def __init__(self, reference: str, what: str) -> None:
        super().__init__(f"{reference}: {what} failed its integrity check")
        self.reference = reference
        self.what = what


def _facts(values: Mapping[str, Any]) -> str:
    """The access facts of a concern row, canonically."""
    return json.dumps(
        {
            "kind": values["kind"],
            "identity": values["identity_mode"],
            "reporter": values.get("reporter_enc") is not None,
            "index": values.get("reporter_index"),
            "receipt": values.get("receipt_hash"),
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def _wrap_context(concern_id: str, seal_version: int, values: Mapping[str, Any]) -> str:
    if seal_version < SEAL_VERSION:
        return f"concerns:{concern_id}"
    return f"concerns:{concern_id}|v{seal_version}|{_facts(values)}"


def _event_facts(values: Mapping[str, Any]) -> bytes:
    at = values["at"]
    return json.dumps(
        {
            "uid": values["uid"],
            "concern": values["concern_id"],
            "at": at.astimezone(UTC).isoformat(timespec="microseconds")
            if isinstance(at, datetime)
            else str(at),
            "kind": values["kind"],
            "role": values["actor_role"],
            "actor": values.get("actor_id"),
            "summary": values["summary"],
            "visible": bool(values["visible_to_reporter"]),
            "body": values.get("body_enc") is not None,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def _row_values(row: Concern | ConcernEvent, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


_CONCERN_FACTS = ("kind", "identity_mode", "reporter_enc", "reporter_index", "receipt_hash")
_EVENT_FACTS = (
    "uid",
    "concern_id",
    "at",
    "kind",
    "actor_role",
    "actor_id",
    "summary",
    "visible_to_reporter",
    "body_enc",
)


class ContentDestroyed(Exception):
    """The concern's content was destroyed at the end of its retention period."""

    def __init__(self, reference: str, *, key_file_missing: bool = False) -> None:
        super().__init__(f"{reference}: content destroyed at the end of its retention period")
        self.reference = reference
        # True when the row was not wiped but its shred key is gone: a database restored from
        # before the destruction, or SPEAKUP_SHRED_KEY_DIR pointing at the wrong directory.
        self.key_file_missing = key_file_missing


def _shred_context(concern_id: str, month: str) -> bytes:
    return f"speakup-shred:{concern_id}:{month}".encode()


class Vault:
    """Seals and opens a concern's free text and identity with the concern's own data key.

    A closed concern's wrapped key is wrapped once more under the shred key of the month it is
    due for destruction (storage.shred_keys), so the database alone no longer opens it."""

    def __init__(self, ring: KeyRing, shreds: ShredKeys | None = None) -> None:
        self.ring = ring
        self.shreds = shreds

    # --- the data key, bound to the access facts ---------------------------------------

    @staticmethod
    def new_data_key() -> bytes:
        return new_data_key()

    def wrap_concern_key(self, data_key: bytes, row: Mapping[str, Any]) -> WrappedKey:
        """Wrap a concern's data key under the newest ring key, bound to the row's id and
        access facts (`row` holds the concern's column values)."""
        return self.ring.wrap(data_key, context=_wrap_context(row["id"], SEAL_VERSION, row))

    def concern_key(self, concern: Concern) -> bytes:
        """The concern's data key; IntegrityCheckFailed if its access facts were changed
        (UnknownKeyError if its ring key was removed)."""
        if concern.destroyed_at is not None:
            raise ContentDestroyed(concern.reference)
        context = _wrap_context(
            concern.id, concern.seal_version or 1, _row_values(concern, _CONCERN_FACTS)
        )
        blob = concern.wrapped_key
        try:
            if concern.shred_month is not None:
                blob = shred_unwrap(
                    self._shred_key(concern.shred_month),
                    blob,
                    _shred_context(concern.id, concern.shred_month),
                )
            return self.ring.unwrap(WrappedKey(concern.key_id, blob), context=context)
        except ShredKeyMissing:
            raise ContentDestroyed(concern.reference, key_file_missing=True) from None
        except DecryptionError:
            raise IntegrityCheckFailed(concern.reference, "the concern's sealed facts") from None

    def _shred_key(self, month: str) -> bytes:
        if self.shreds is None:
            raise ShredKeyMissing(f"no shred key directory configured to open month {month}")
        return self.shreds.get(month)

    def reseal(self, concern: Concern, data_key: bytes) -> None:
        """Wrap the data key again under the newest key, bound to the facts as they are now:
        after the app itself changes one (a new receipt) or when rotating keys."""
        values = {"id": concern.id, **_row_values(concern, _CONCERN_FACTS)}
        wrapped = self.wrap_concern_key(data_key, values)
        blob = wrapped.blob
        if concern.shred_month is not None:
            if self.shreds is None:
                raise ShredKeyMissing("no shred key directory configured")
            blob = shred_wrap(
                # Never made here: a month whose key is gone must stay gone.
                self.shreds.get(concern.shred_month),
                blob,
                _shred_context(concern.id, concern.shred_month),
            )
        concern.key_id, concern.wrapped_key = wrapped.key_id, blob
        concern.seal_version = SEAL_VERSION

    def place(self, concern: Concern, data_key: bytes, month: str | None) -> None:
        """Wrap the data key under `month`'s shred key as well as the ring, or (None) under
        the ring alone: on closing, reopening, and setting or lifting a legal hold."""
        if month is not None:
            if self.shreds is None:
                raise ShredKeyMissing("no shred key directory configured")
            self.shreds.get_or_create(month)
        concern.shred_month = month
        self.reseal(concern, data_key)

    # --- timeline events ---------------------------------------------------------------

    @staticmethod
    def event_tag(data_key: bytes, row: Mapping[str, Any]) -> str:
        """The MAC binding an event row's facts (its column values) to its concern."""
        key = derive(data_key, b"speakup event facts v1")
        return hmac.new(key, _event_facts(row), hashlib.sha256).hexdigest()

    def check_event(self, data_key: bytes, concern: Concern, event: ConcernEvent) -> None:
        """Raise IntegrityCheckFailed unless the event's facts are as they were written."""
        if event.facts_tag is None:
            if (concern.seal_version or 1) < SEAL_VERSION:
                return  # written before events were tagged; re-sealed by `keys rotate`
            raise IntegrityCheckFailed(concern.reference, "a timeline event's seal")
        expected = self.event_tag(data_key, _row_values(event, _EVENT_FACTS))
        if not hmac.compare_digest(expected, event.facts_tag):
            raise IntegrityCheckFailed(concern.reference, "a timeline event's facts")

    def event_body(self, data_key: bytes, concern: Concern, event: ConcernEvent) -> str | None:
        """An event's free text, after checking its facts."""
        self.check_event(data_key, concern, event)
        if event.body_enc is None:
            return None
        try:
            return self.open_text(
                data_key, event.body_enc, table="concern_events", row_id=event.uid, field="body"
            )
        except DecryptionError:
            raise IntegrityCheckFailed(concern.reference, "a timeline event's text") from None

    @staticmethod
    def event_values(event: ConcernEvent) -> dict[str, Any]:
        return _row_values(event, _EVENT_FACTS)

    # --- free text ---------------------------------------------------------------------

    @staticmethod
    def seal_text(data_key: bytes, text: str, *, table: str, row_id: str, field: str) -> bytes:
        return seal(data_key, text, table=table, row_id=row_id, field=field)

    @staticmethod
    def open_text(data_key: bytes, blob: bytes, *, table: str, row_id: str, field: str) -> str:
        return open_sealed(data_key, blob, table=table, row_id=row_id, field=field)

    def seal_json(
        self, data_key: bytes, value: dict[str, Any], *, table: str, row_id: str, field: str
    ) -> bytes:
        return self.seal_text(
            data_key, json.dumps(value, ensure_ascii=False), table=table, row_id=row_id, field=field
        )

    def open_json(
        self, data_key: bytes, blob: bytes, *, table: str, row_id: str, field: str
    ) -> dict[str, Any]:
        value = json.loads(self.open_text(data_key, blob, table=table, row_id=row_id, field=field))
        if not isinstance(value, dict):
            raise ValueError("sealed JSON field is not an object")
        return value
