"""Per-concern envelope encryption over the models: one data key per concern."""

from __future__ import annotations

import json
from typing import Any

from storage.crypto import KeyRing, WrappedKey, new_data_key, open_sealed, seal
from storage.models import Concern


class Vault:
    """Seals and opens a concern's free text and identity with the concern's own data key."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    def new_concern_key(self, concern_id: str) -> tuple[bytes, WrappedKey]:
        data_key = new_data_key()
        return data_key, self.ring.wrap(data_key, context=f"concerns:{concern_id}")

    def concern_key(self, concern: Concern) -> bytes:
        return self.ring.unwrap(
            WrappedKey(concern.key_id, concern.wrapped_key), context=f"concerns:{concern.id}"
        )

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
