"""Shred keys: one random key per month, kept in files outside the database.

A closed concern's wrapped data key is wrapped once more under the key of the month its
content is due for destruction (storage.vault). Deleting that month's file, once every
concern due in it has been destroyed, makes the data key unrecoverable from any copy of the
database, however old: the database never held the secret it now needs.

Files are created whole or not at all (written under a temporary name, then linked into
place, which fails if another process got there first) so two replicas sharing the directory
agree on one key per month. The directory must therefore be shared by every replica, and
kept out of the database's backups.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from storage.crypto import KEY_BYTES, CryptoError, new_data_key

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_SUFFIX = ".key"


class ShredKeyMissing(CryptoError):
    """The month's shred key is not in the directory: destroyed already, or the directory is
    not the one the app wrote to."""


class ShredKeys:
    """The directory of monthly shred keys."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, month: str) -> Path:
        if not _MONTH.match(month):
            raise ValueError(f"{month!r} is not a month such as 2036-03")
        return self.directory / f"{month}{_SUFFIX}"

    def get(self, month: str) -> bytes:
        """The month's key; ShredKeyMissing if there is none."""
        try:
            key = self._path(month).read_bytes()
        except FileNotFoundError:
            raise ShredKeyMissing(f"the shred key for {month} is not in {self.directory}") from None
        if len(key) != KEY_BYTES:
            raise ShredKeyMissing(f"the shred key file for {month} is damaged")
        return key

    def get_or_create(self, month: str) -> bytes:
        """The month's key, made now if it does not exist yet."""
        path = self._path(month)
        if path.exists():
            return self.get(month)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = self.directory / f".{month}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(new_data_key())
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(temporary, path)
            _sync_directory(self.directory)
        finally:
            temporary.unlink(missing_ok=True)
        return self.get(month)

    def months(self) -> list[str]:
        """Every month with a key file, oldest first."""
        if not self.directory.is_dir():
            return []
        names = (path.name.removesuffix(_SUFFIX) for path in self.directory.glob(f"*{_SUFFIX}"))
        return sorted(name for name in names if _MONTH.match(name))

    def destroy(self, month: str) -> bool:
        """Delete the month's key file; True if there was one."""
        path = self._path(month)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _sync_directory(self.directory)
        return True


def _sync_directory(directory: Path) -> None:
    # The link or unlink is durable only once the directory itself is on disk.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
