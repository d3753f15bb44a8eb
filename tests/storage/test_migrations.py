"""The migrations build exactly the schema the models describe, and every revision steps down
and up again: so a model changed without a migration fails here rather than in a trust's
database, and autogenerating the next revision starts from no difference at all."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Boolean, DateTime, Integer, LargeBinary, MetaData, inspect, update

from storage.db import Database, alembic_config
from storage.models import Base
from tests.support.migrations import migrate


def differences(db: Database) -> list[Any]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found = compare_metadata(context, Base.metadata)
    if db.is_postgres:
        return found
    # 0004 widened the receipt locator on PostgreSQL only: SQLite does not enforce a VARCHAR's
    # length, and rebuilding the table there would trip over the timeline's foreign keys.
    return [
        difference
        for difference in found
        if not (
            isinstance(difference, list)
            and [change[0:4] for change in difference]
            == [("modify_type", None, "concerns", "receipt_locator")]
        )
    ]


def schema(db: Database) -> dict[str, Any]:
    inspector = inspect(db.engine)
    return {
        table: {
            # In any order: a column put back by a downgrade can only go at the end.
            "columns": sorted(
                (column["name"], str(column["type"]), column["nullable"])
                for column in inspector.get_columns(table)
            ),
            "indexes": sorted(
                (index["name"] or "", tuple(index["column_names"]), bool(index["unique"]))
                for index in inspector.get_indexes(table)
            ),
            "unique": sorted(
                tuple(constraint["column_names"])
                for constraint in inspector.get_unique_constraints(table)
            ),
            "foreign_keys": sorted(
                (tuple(key["constrained_columns"]), key["referred_table"])
                for key in inspector.get_foreign_keys(table)
            ),
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
        }
        for table in sorted(inspector.get_table_names())
    }


def test_the_migrations_build_the_schema_the_models_describe(db: Database) -> None:
    assert differences(db) == []


def test_every_revision_steps_down_to_the_schema_it_was_built_on(db: Database) -> None:
    built = schema(db)
    newest_first = list(ScriptDirectory.from_config(alembic_config(db.url)).walk_revisions())
    assert len(newest_first) >= 14
    migrate(db, "downgrade", "base")
    # Up one revision at a time, noting what each built...
    built_on: dict[str | None, dict[str, Any]] = {None: schema(db)}
    for script in reversed(newest_first):
        migrate(db, "upgrade", script.revision)
        built_on[script.revision] = schema(db)
    assert schema(db) == built
    # ...then down one at a time: each revision leaves exactly what was there before it.
    for script in newest_first:
        assert isinstance(script.down_revision, str | None)  # one line of history, no merges
        migrate(db, "downgrade", script.down_revision or "base")
        assert schema(db) == built_on[script.down_revision], script.revision
    db.upgrade()
    assert schema(db) == built
    assert differences(db) == []


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def insert_concern(db: Database, **values: Any) -> None:
    """A concern row as the schema stands now: every required column given a plain value."""
    with db.engine.begin() as connection:
        tables = MetaData()
        tables.reflect(connection)
        concerns = tables.tables["concerns"]
        row: dict[str, Any] = {}
        for column in concerns.columns:
            if column.nullable:
                continue
            kind = column.type
            if isinstance(kind, Boolean):
                row[column.name] = False
            elif isinstance(kind, Integer):
                row[column.name] = 1
            elif isinstance(kind, DateTime):
                row[column.name] = datetime(2026, 1, 5, 10)
            elif isinstance(kind, LargeBinary):
                row[column.name] = b"sealed"
            elif isinstance(kind, JSON):
                row[column.name] = []
            else:
                row[column.name] = column.name[:8]
        connection.execute(concerns.insert(), {**row, **values})


def test_below_0004_is_refused_while_a_receipt_has_a_keyed_locator(db: Database) -> None:
    migrate(db, "downgrade", "0004")
    insert_concern(db, id="c1", receipt_locator="k" * 32)
    with pytest.raises(RuntimeError, match="1 concerns have keyed receipt locators"):
        migrate(db, "downgrade", "0003")
    assert current_revision(db) == "0004"
    assert "receipt_group_enc" in {c["name"] for c in inspect(db.engine).get_columns("concerns")}

    # A receipt still found by its first group in clear, as the older release wrote it.
    with db.engine.begin() as connection:
        concerns = MetaData()
        concerns.reflect(connection, only=["concerns"])
        connection.execute(update(concerns.tables["concerns"]).values(receipt_locator="ABCD2345"))
    migrate(db, "downgrade", "0003")
    assert current_revision(db) == "0003"
    locator = next(
        c for c in inspect(db.engine).get_columns("concerns") if c["name"] == "receipt_locator"
    )
    assert str(locator["type"]) == "VARCHAR(8)"


# What each revision's downgrade would drop that people wrote or decided, as a row holds it.
HELD = [
    ("0002", {"referral_authority_enc": b"sealed"}, "sealed referral authority"),
    ("0005", {"recorded_by": "U0GUARD1", "raised_via": "phone"}, "recorded by a guardian"),
    ("0006", {"worker_type": "permanent"}, "have a worker type"),
    ("0010", {"no_referral_reason": "duplicate"}, '"no referral needed" decision'),
    ("0010", {"referral_chased_at": datetime(2026, 1, 6, 9)}, "have a referral chase"),
    ("0011", {"legal_hold_at": datetime(2026, 3, 2, 9)}, "under a legal hold"),
    ("0012", {"checkin_answer": "yes"}, "answer to the after-closure check-in"),
]


@pytest.mark.parametrize(("revision", "values", "refusal"), HELD)
def test_a_downgrade_that_would_drop_what_people_wrote_is_refused(
    db: Database, revision: str, values: dict[str, Any], refusal: str
) -> None:
    migrate(db, "downgrade", revision)
    insert_concern(db, id="c1", **values)
    with pytest.raises(RuntimeError, match=f"^1 concerns .*{refusal}.*downgrade is refused"):
        migrate(db, "downgrade", "-1")
    assert current_revision(db) == revision


def test_below_0012_is_refused_while_a_learning_summary_was_drafted(db: Database) -> None:
    migrate(db, "downgrade", "0012")
    insert_concern(db, id="c1")
    with db.engine.begin() as connection:
        tables = MetaData()
        tables.reflect(connection, only=["learning_summaries"])
        connection.execute(
            tables.tables["learning_summaries"].insert(),
            {
                "id": "s1",
                "concern_id": "c1",
                "drafted_by": "U0GUARD1",
                "drafted_at": datetime(2026, 2, 2, 9),
                "text_enc": b"sealed",
            },
        )
    with pytest.raises(RuntimeError, match=r"^1 learning summaries were drafted"):
        migrate(db, "downgrade", "0011")
    assert current_revision(db) == "0012"
