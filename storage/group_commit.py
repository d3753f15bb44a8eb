"""Group commit: writes that arrive together share one transaction.

When several people submit at the same moment, each write would otherwise take the database's
one writer in turn, each paying for its own BEGIN, COMMIT and sync of the log, and each
waiting while the others' threads hand the interpreter lock around. Here the first caller to
find the writer free stores everything queued by then in one transaction and hands every
caller its own outcome; the others sleep until theirs is ready.

Nothing is answered before it is committed: a caller gets its result only after the
transaction holding its write commits. If that transaction fails because of one write (a
repeated submission hitting a unique index, say), each write of the batch is tried again on
its own, so the bad one fails alone, with its own exception, exactly as it would have without
grouping. If the database itself fails, every write of the group hears so at once.

Within a group, rows added with storage.rows.add_row are written together at its end, a
statement for each table (see storage.rows.rows_together).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.rows import rows_together

Item = TypeVar("Item")
Result = TypeVar("Result")

# A bound on one transaction, so a very long queue cannot hold the writer for long.
MOST_IN_ONE = 32


class _Ticket(Generic[Item, Result]):
    __slots__ = ("done", "error", "item", "result")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.result: Result | None = None
        self.error: BaseException | None = None
        self.done = False

    def outcome(self) -> Result:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]


class GroupCommit(Generic[Item, Result]):
    """Runs `write(session, item)` for items from many threads, committed in groups."""

    def __init__(self, db: Database, write: Callable[[Session, Item], Result]) -> None:
        self._db = db
        self._write = write
        self._queue: list[_Ticket[Item, Result]] = []
        self._writing = False
        self._changed = threading.Condition()

    def run(self, item: Item) -> Result:
        """Write the item and return what `write` returned once it is committed, or raise
        what writing it alone raised."""
        ticket: _Ticket[Item, Result] = _Ticket(item)
        with self._changed:
            self._queue.append(ticket)
        while True:
            with self._changed:
                while self._writing and not ticket.done:
                    self._changed.wait()
                if ticket.done:
                    return ticket.outcome()
                self._writing = True
                batch, self._queue = self._queue[:MOST_IN_ONE], self._queue[MOST_IN_ONE:]
            try:
                self._write_all(batch)
            finally:
                with self._changed:
                    for waiting in batch:
                        if not waiting.done:  # only if something escaped _write_all
                            waiting.error = RuntimeError("the write was not attempted")
                            waiting.done = True
                    self._writing = False
                    self._changed.notify_all()

    def _write_all(self, batch: list[_Ticket[Item, Result]]) -> None:
        results: list[Result] | None = None
        if len(batch) > 1:
            try:
                with self._db.transaction() as session, rows_together(session):
                    results = [self._write(session, ticket.item) for ticket in batch]
            except DBAPIError as exc:
                if not isinstance(exc, IntegrityError):
                    # The database itself failed (unreachable, locked by another process):
                    # it would fail each again, one after another, while Slack's 3 s run out.
                    for ticket in batch:
                        ticket.error, ticket.done = exc, True
                    return
                results = None  # one write's own fault (a form sent twice): each goes alone
            except Exception:
                results = None  # one write's own error: each is tried alone, to fail alone
        if results is not None:
            for ticket, result in zip(batch, results, strict=True):
                ticket.result, ticket.done = result, True
            return
        for ticket in batch:
            try:
                with self._db.transaction() as session, rows_together(session):
                    ticket.result = self._write(session, ticket.item)
            except Exception as exc:
                ticket.error = exc
            ticket.done = True
