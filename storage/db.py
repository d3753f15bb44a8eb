"""Engine, sessions and migrations. One session per unit of work, explicit transactions."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from storage.crypto import KeyRing

MIGRATIONS = Path(__file__).parent / "migrations"
# A checkpoint copies SQLite's write-ahead log into the database file and syncs it, about
# 20 ms for each thousand pages. Left to SQLite (every 1000 pages) it runs inside whichever
# commit crosses the line, one raise in forty or so, with Slack waiting on it. A serving
# process checkpoints in the background instead (Checkpoints); the automatic one stays, much
# later, only to bound the log when nothing else checkpoints it.
AUTOCHECKPOINT_PAGES = 20_000
CHECKPOINT_SECONDS = 1.0
# Every speakup process takes this PostgreSQL advisory lock to migrate, so replicas and a
# one-shot `speakup db upgrade` starting together migrate one at a time. Any fixed number
# works; this one spells "spku".
MIGRATION_LOCK = 0x73706B75

log = logging.getLogger(__name__)


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message is safe to print (no password)."""


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def create_db_engine(url: str) -> Engine:
    """An engine tuned for the backend: SQLite in WAL mode with foreign keys and write locks."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(
            "DATABASE_URL is not a database URL: use e.g. sqlite:///speakup.db or "
            "postgresql+psycopg://user@host/dbname"
        ) from None
    try:
        parsed.get_dialect().import_dbapi()
    except (NoSuchModuleError, ImportError):
        raise DatabaseUnavailable(
            f"DATABASE_URL names a database driver that is not installed "
            f"({parsed.drivername}): use sqlite:/// or postgresql+psycopg://"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database not in (None, "", ":memory:") and not parsed.query.get("uri"):
            _create_private_file(parsed.database)
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            # Bound values (ciphertext, blind indexes) never appear in a logged SQL error.
            hide_parameters=True,
            poolclass=NullPool if parsed.database in (None, "", ":memory:") else None,
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
    )


def _create_private_file(path: str) -> None:
    """Create a new SQLite database file readable and writable by its owner only. SQLite gives
    the -wal and -shm files it creates beside it the same mode. An existing file is left as
    its owner set it."""
    # OSError: it exists already, or its directory does not (connecting reports that).
    with suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: the log is synced at every commit, so a concern we have told someone is safe
        # survives a power cut or a crashed host, not only a crashed process. It costs a sync
        # per commit (a fraction of a millisecond; group commit shares one among a group).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock up front: a deferred transaction that later writes can fail with
        # "database is locked" when another writer committed in between, whatever the timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


_KEY_RING = "speakup_key_ring"  # key in Session.info


def key_ring_of(session: Session) -> KeyRing | None:
    """The key ring of the Database whose transaction this session is (see Database.ring)."""
    ring = session.info.get(_KEY_RING)
    return ring if isinstance(ring, KeyRing) else None


class Database:
    """The engine, its session factory, and the key ring its transactions carry.

    The ring rides along so that every transaction can MAC the audit entries it appends
    (storage.audit) without each caller handing it over.
    """

    def __init__(self, url: str, *, ring: KeyRing | None = None) -> None:
        self.url = url
        self.ring = ring
        self.engine = create_db_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Threads of this process queue here and wake the
        # moment the writer is done, instead of in SQLite's busy handler, which sleeps up to
        # 100 ms between retries and lets newcomers overtake (a long tail on Slack's 3 s).
        self._writer = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any error."""
        with self._sessions() as session, self._writer or nullcontext(), session.begin():
            if self.ring is not None:
                session.info[_KEY_RING] = self.ring
            yield session

    def ping(self) -> None:
        """Raise DatabaseUnavailable unless a trivial query answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                connection.rollback()
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            reason = (str(cause).splitlines() or ["unknown error"])[0]
            raise DatabaseUnavailable(
                f"DATABASE_URL: cannot reach the database at {describe_url(self.url)}: {reason}"
            ) from None

    def upgrade(self) -> None:
        """Apply every pending Alembic migration. Safe to run from several processes at once:
        one migrates while the others wait, then find nothing left to do."""
        with self.engine.begin() as connection:
            if self.is_postgres:
                # Held until this transaction ends, i.e. until the migrations are committed.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            # SQLite: the transaction began with BEGIN IMMEDIATE (see _tune_sqlite), so it holds
            # the database's write lock from the start, and other migrators wait for it.
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def checkpoint(self) -> None:
        """Copy SQLite's write-ahead log into the database file, without waiting for readers or
        holding up writers; nothing to do on other databases."""
        if self.engine.dialect.name != "sqlite":
            return
        # On the driver's connection: SQLAlchemy would open a transaction (BEGIN IMMEDIATE,
        # the write lock), and a checkpoint must run outside one.
        connection = self.engine.raw_connection()
        try:
            # Read to the end: a statement left open would keep a read snapshot.
            connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()  # type: ignore[union-attr]
        finally:
            connection.close()

    def checkpoints(
        self, every: float = CHECKPOINT_SECONDS, lull: Callable[[], object] | None = None
    ) -> Checkpoints:
        """Start checkpointing in the background (see AUTOCHECKPOINT_PAGES). `lull`, if
        given, is called before each checkpoint and returns when it is a good moment."""
        return Checkpoints(self, every, lull)

    def dispose(self) -> None:
        self.engine.dispose()


class Checkpoints:
    """A thread that checkpoints the database every few seconds until stopped.

    A checkpoint writes and syncs the database file while commits append to the log; a commit
    that lands during one can take twice as long. The serving process passes a `lull` that
    waits (a bounded time) until no answer is being worked out, so checkpoints fall between
    answers rather than under them.
    """

    def __init__(
        self, db: Database, every: float, lull: Callable[[], object] | None = None
    ) -> None:
        self._db = db
        self._every = every
        self._lull = lull
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        if db.engine.dialect.name == "sqlite":
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            if self._lull is not None:
                self._lull()
                if self._stop.is_set():
                    return
            try:
                self._db.checkpoint()
            except (SQLAlchemyError, sqlite3.Error) as exc:
                # The next one catches up; SQLite's own checkpoint still bounds the log.
                log.warning("sqlite checkpoint failed: %s", type(exc).__name__)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)


def alembic_config(url: str) -> Config:
    """Alembic configuration without an ini file, so the installed package can migrate."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
