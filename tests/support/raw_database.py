"""Everything the database holds, as one string, for 'no plaintext at rest' assertions."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import MetaData, select, text

from storage.db import Database


def raw_database_text(db: Database) -> str:
    """SQLite: the file bytes (and its WAL) decoded leniently. PostgreSQL: every row as text."""
    if not db.is_postgres:
        database = db.engine.url.database
        assert database
        parts = []
        for suffix in ("", "-wal"):
            path = Path(database + suffix)
            if path.exists():
                parts.append(path.read_bytes().decode("latin-1"))
        return "\n".join(parts)
    chunks: list[str] = []
    with db.engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                chunks.append(repr(tuple(row)))
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value).decode("latin-1"))
        connection.execute(text("SELECT 1"))
    return "\n".join(chunks)
