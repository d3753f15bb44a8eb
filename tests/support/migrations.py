"""Moving a test database to a given Alembic revision, up or down, the way `serve` migrates
(on one connection, in one transaction)."""

from __future__ import annotations

from typing import Literal

from alembic import command

from storage.db import Database, alembic_config


def migrate(db: Database, direction: Literal["upgrade", "downgrade"], revision: str) -> None:
    with db.engine.begin() as connection:
        config = alembic_config(db.url)
        config.attributes["connection"] = connection
        if direction == "upgrade":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)
