"""Migration 0011 adds the retention columns, and goes back down only when nothing depends
on them (the previous release cannot open a shred-wrapped or destroyed concern)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect

from storage.db import Database
from tests.support.concerns import raise_concern, service, set_columns
from tests.support.migrations import migrate

COLUMNS = {"legal_hold_at", "legal_hold_by", "shred_month", "destroyed_at"}


def columns(db: Database) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns("concerns")}


def test_down_and_up_again_unless_a_concern_needs_the_columns(database_url: str) -> None:
    with service(database_url) as context:
        concern_id, _ = raise_concern(context, datetime(2026, 1, 5, 10, tzinfo=UTC))
        assert columns(context.db) >= COLUMNS
        set_columns(context, concern_id, shred_month="2036-01")
        with pytest.raises(RuntimeError, match="1 closed concerns are wrapped under shred keys"):
            migrate(context.db, "downgrade", "0010")
        assert columns(context.db) >= COLUMNS
        set_columns(context, concern_id, shred_month=None)
        migrate(context.db, "downgrade", "0010")
        assert not COLUMNS & columns(context.db)
        context.db.upgrade()
        assert columns(context.db) >= COLUMNS
