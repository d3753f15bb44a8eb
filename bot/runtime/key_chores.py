"""`speakup audit …` and `speakup keys rotate|status`: what an operator runs against the
database and the keys, printed plainly (never a key, never free text, never a reporter)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from bot.domain.clock import utcnow
from bot.runtime.settings import Settings
from storage.audit_check import Anchor, ChainReport, trail, verify
from storage.crypto import KeyRing
from storage.db import Database
from storage.rotation import key_status, rotate
from storage.shred_keys import ShredKeys

T = TypeVar("T")


class ChoreError(Exception):
    """A problem the operator can fix; printed as one line."""


@contextmanager
def _readable(what: str) -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as exc:
        raise ChoreError(
            f"could not read {what} ({type(exc).__name__}); has `speakup db upgrade` been run?"
        ) from None


def _open(settings: Settings) -> tuple[Database, KeyRing]:
    ring = settings.key_ring()
    db = Database(settings.database_url, ring=ring)
    db.ping()
    return db, ring


def _read(db: Database, what: str, read: Callable[..., T]) -> T:
    with _readable(what), db.transaction() as session:
        return read(session)


def parse_anchors(texts: Sequence[str]) -> list[Anchor]:
    try:
        return [Anchor.parse(text) for text in texts]
    except ValueError as exc:
        raise ChoreError(str(exc)) from None


def describe(report: ChainReport) -> str:
    """The one line `audit verify` prints."""
    if not report.ok:
        where = f" at entry {report.first_bad_seq}" if report.first_bad_seq else ""
        return f"audit chain BROKEN{where}: {report.problem}"
    keyed = report.entries - report.legacy_entries
    line = f"audit chain intact: {report.entries} entries ({keyed} with keyed MACs"
    if report.legacy_entries:
        line += f"; the first {report.legacy_entries}, from before keyed MACs, hash-chained only"
    line += ")"
    if report.anchors_checked:
        line += f", {report.anchors_checked} anchors match"
    return line


def audit_verify(settings: Settings, anchor_texts: Sequence[str]) -> int:
    anchors = parse_anchors(anchor_texts)
    db, ring = _open(settings)
    try:
        report = _read(db, "the audit log", lambda session: verify(session, ring, anchors))
    finally:
        db.dispose()
    print(describe(report))
    if report.ok:
        print(
            "Not provable from the database alone: a rollback of the whole database (or of "
            "the audit tables together) to an earlier state newer than the last anchor checked.",
        )
    return 0 if report.ok else 1


def audit_show(settings: Settings, reference: str) -> int:
    db, ring = _open(settings)
    try:
        report = _read(db, "the audit log", lambda session: verify(session, ring))
        lines = _read(db, "the audit log", lambda session: trail(session, reference.upper()))
    finally:
        db.dispose()
    if not lines:
        raise ChoreError(f"no audit entries for {reference[:20]!r}")
    print(describe(report))
    for line in lines:
        details = " ".join(f"{name}={value}" for name, value in line.detail.items())
        when = line.at.strftime("%Y-%m-%d %H:%M:%S UTC")
        print(f"{line.seq:>8}  {when}  {line.actor:<12}  {line.action}  {details}".rstrip())
    return 0 if report.ok else 1


def keys_rotate(settings: Settings, batch_size: int) -> int:
    db, ring = _open(settings)

    def progress(done: int, total: int) -> None:
        print(f"rotated {done}/{total} concerns", flush=True)

    try:
        with _readable("the concerns"):
            report = rotate(
                db,
                ring,
                now=utcnow,
                batch_size=batch_size,
                progress=progress,
                shreds=ShredKeys(settings.shred_key_dir()),
            )
    finally:
        db.dispose()
    print(
        f"done: {report.rotated} concerns now on key {ring.newest_id}; "
        f"{report.audit_keys_archived} older audit keys archived"
    )
    if report.refused:
        print(
            f"{len(report.refused)} failed their integrity check and were left alone "
            f"(audited): {', '.join(report.refused[:20])}",
            file=sys.stderr,
        )
    if report.key_missing:
        print(
            f"{len(report.key_missing)} are wrapped by a key that is not in "
            f"SPEAKUP_ENCRYPTION_KEYS (or a shred key no longer in SPEAKUP_SHRED_KEY_DIR): "
            f"{', '.join(report.key_missing[:20])}",
            file=sys.stderr,
        )
    return 1 if report.refused or report.key_missing else 0


def keys_status(settings: Settings) -> int:
    db, ring = _open(settings)
    try:
        status = _read(db, "the concerns", lambda session: key_status(session, ring))
    finally:
        db.dispose()
    for use in status.keys:
        role = "newest, wraps new data" if use.position == 1 else "older"
        audit_note = (
            "archived, checkable without this key"
            if use.audit_key_archived
            else "need this key to be checked"
        )
        print(
            f"key {use.position} (id {use.key_id}, {role}): {use.data_keys} data keys, "
            f"{use.blind_indexes} blind indexes, {use.audit_entries} audit entries"
            + (f" ({audit_note})" if use.audit_entries and use.position > 1 else "")
        )
        if use.position > 1:
            print(
                f"  key {use.position} can be removed"
                if use.removable
                else f"  key {use.position} is still needed: run `speakup keys rotate`"
            )
    if status.data_keys_elsewhere:
        print(
            f"{status.data_keys_elsewhere} data keys are wrapped by a key that is not in "
            "SPEAKUP_ENCRYPTION_KEYS: those concerns cannot be opened"
        )
    if status.sealed_old_way:
        print(
            f"{status.sealed_old_way} concerns have their access facts not yet sealed: "
            "`speakup keys rotate` seals them"
        )
    return 0
