"""Checking the audit chain (storage.audit): every link, the head, published anchors; and a
concern's trail as an operator may read it.

What a check can prove, against someone who can write the database but holds no key: no
entry was altered, inserted or removed in the middle (each MAC needs the key), and none of
the newest was removed (the MAC'd head names the newest). Deleting the head row too, or
replacing the whole log with an earlier genuine copy of itself, is caught only by an anchor
published outside the database after the entries removed. Nothing here can notice a rollback
of the whole database (or of the audit tables together) to a state newer than the last
anchor: every row of it is genuine.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.audit import (
    FINGERPRINT_HEX,
    GENESIS,
    HEAD_REPLACED,
    HEAD_ROW,
    AuditKeys,
    entry_mac,
    fingerprint,
    head_mac_matches,
    legacy_hash,
)
from storage.crypto import KeyRing
from storage.models import AuditEntry, AuditHead

_ANCHOR = re.compile(r"^\s*(\d{1,12})\s*:\s*([0-9a-fA-F][0-9a-fA-F -]*)\s*$")


class ChainBroken(Exception):
    """The chain's head does not hold, so there is nothing honest to anchor."""


@dataclass(frozen=True)
class Anchor:
    """A published (seq, fingerprint) pair: what `anchor_text` returned on some day."""

    seq: int
    fingerprint: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """Read SEQ:FINGERPRINT (spaces and dashes in the fingerprint ignored)."""
        match = _ANCHOR.match(text)
        digits = re.sub(r"[ -]", "", match.group(2)).lower() if match else ""
        if match is None or len(digits) != FINGERPRINT_HEX:
            raise ValueError(
                f"anchor {text[:40]!r} is not SEQ:FINGERPRINT (a number, a colon, 16 hex)"
            )
        return cls(int(match.group(1)), digits)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_bad_seq: int | None
    problem: str | None
    legacy_entries: int = 0  # hash-chained only, from before keyed MACs
    anchors_checked: int = 0


def _span(first: int, last: int) -> str:
    return f"entry {first} is" if first == last else f"entries {first} to {last} are"


def verify(session: Session, ring: KeyRing, anchors: Sequence[Anchor] = ()) -> ChainReport:
    """Check every entry, the head and the anchors; report the first entry altered or removed."""
    keys = AuditKeys.load(session, ring)
    head = session.get(AuditHead, HEAD_ROW)
    head_problem = _head_problem(keys, head)
    legacy_through = head.legacy_through if head is not None and head_problem is None else None
    pinned = {anchor.seq: anchor for anchor in anchors}
    count = legacy = 0
    prev, last_seq, keyed_seen = GENESIS, 0, False

    def broken(seq: int | None, problem: str) -> ChainReport:
        return ChainReport(count, False, seq, problem, legacy, len(anchors))

    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(500):
        count += 1
        seq = entry.seq
        if seq != last_seq + 1:
            return broken(last_seq + 1, f"{_span(last_seq + 1, seq - 1)} missing")
        if entry.prev_hash != prev:
            return broken(seq, "its link to the entry before is broken: one was replaced")
        if entry.key_id is None:
            if keyed_seen or (legacy_through is not None and seq > legacy_through):
                return broken(
                    seq,
                    "it has no keyed MAC although it is newer than the switch to keyed MACs: "
                    "it was rewritten without the key",
                )
            if legacy_hash(entry) != entry.hash:
                return broken(seq, "it was altered after it was written")
            legacy += 1
        else:
            keyed_seen = True
            key = keys.get(entry.key_id)
            if key is None:
                return broken(
                    seq,
                    f"it is MAC'd under key {entry.key_id}, which is neither in "
                    "SPEAKUP_ENCRYPTION_KEYS nor archived by `speakup keys rotate`, so it "
                    "cannot be checked",
                )
            if not hmac.compare_digest(entry_mac(key, entry), entry.hash):
                return broken(seq, "it was altered after it was written (its MAC does not match)")
            if legacy_through is not None and seq <= legacy_through:
                return broken(seq, "a keyed entry sits inside the part from before keyed MACs")
        if entry.action == HEAD_REPLACED:
            return broken(
                seq,
                "the app found the head record missing or altered when it wrote this entry: "
                "newer entries may have been removed before it (compare with --anchor)",
            )
        anchor = pinned.get(seq)
        if anchor is not None and not _anchor_holds(keys, anchor, entry.hash):
            return broken(
                seq,
                f"it does not match the anchor published for entry {seq}: the log was "
                "rewritten from there, or restored from before the anchor",
            )
        prev, last_seq = entry.hash, seq

    beyond = sorted(seq for seq in pinned if seq > last_seq)
    if beyond:
        return broken(
            last_seq + 1,
            f"{_span(last_seq + 1, beyond[-1])} missing: an anchor was published for entry "
            f"{beyond[-1]} (or the database was restored from before it)",
        )
    if 0 in pinned and not _anchor_holds(keys, pinned[0], GENESIS):
        return broken(None, "the anchor for the empty log does not match")
    if head is None:
        return broken(
            None,
            "the head record (audit_head) is missing: it is never deleted in normal use, so "
            "the newest entries may have gone with it (compare with --anchor)",
        )
    if head.mac is None:
        if keyed_seen:
            return broken(None, "the head record's MAC was removed")
        return ChainReport(count, True, None, None, legacy, len(anchors))
    if head_problem is not None:
        return broken(None, f"the head record {head_problem}")
    if head.seq > last_seq:
        return broken(
            last_seq + 1,
            f"{_span(last_seq + 1, head.seq)} missing: the head record names entry {head.seq}",
        )
    if head.seq < last_seq:
        return broken(
            head.seq + 1,
            f"{_span(head.seq + 1, last_seq)} not in the head record: added behind its back",
        )
    if head.entry_mac != prev:
        return broken(last_seq, "it is not the entry the head record names: it was replaced")
    return ChainReport(count, True, None, None, legacy, len(anchors))


def _head_problem(keys: AuditKeys, head: AuditHead | None) -> str | None:
    if head is None or head.mac is None:
        return None  # judged with the entries in view
    key = keys.get(head.key_id)
    if key is None:
        return f"is MAC'd under key {head.key_id}, which is not available"
    return None if head_mac_matches(key, head) else "was altered (its MAC does not match)"


def _anchor_holds(keys: AuditKeys, anchor: Anchor, mac: str) -> bool:
    return any(
        hmac.compare_digest(fingerprint(key, anchor.seq, mac), anchor.fingerprint)
        for key in keys.all()
    )


def anchor_text(session: Session, ring: KeyRing) -> tuple[int, str]:
    """The chain's head as (seq, fingerprint) to publish outside the database, for the daily
    anchor job: a person can copy it, and `speakup audit verify --anchor SEQ:FINGERPRINT`
    later proves the log still holds that entry unchanged, and everything before it.

    Checks the head against the newest entry first (not the whole chain: run `verify` for
    that) and raises ChainBroken rather than vouch for a head that does not hold.
    """
    keys = AuditKeys.load(session, ring)
    head = session.get(AuditHead, HEAD_ROW)
    newest = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, mac = (newest.seq, newest.hash) if newest else (0, GENESIS)
    if head is None:
        raise ChainBroken("the audit head record is missing")
    if head.mac is None:
        if newest is not None and newest.key_id is not None:
            raise ChainBroken("the audit head record's MAC was removed")
    elif (problem := _head_problem(keys, head)) is not None:
        raise ChainBroken(f"the audit head record {problem}")
    elif (head.seq, head.entry_mac) != (seq, mac):
        raise ChainBroken("the audit head record does not name the newest entry")
    return seq, fingerprint(keys.get(ring.newest_id) or b"", seq, mac)


# --- a concern's trail ---------------------------------------------------------------------

# Detail fields an operator may see: codes and staff ids, never anything typed.
_SHOWN_DETAIL = (
    "kind",
    "identity_mode",
    "status",
    "stage",
    "outcome",
    "owner",
    "made_on",
    "where",
)


@dataclass(frozen=True)
class TrailLine:
    seq: int
    at: datetime
    actor: str  # a staff member's Slack id, "reporter" or "system"
    action: str
    detail: dict[str, str]


def trail(session: Session, reference: str) -> list[TrailLine]:
    """Who opened or acted on a concern, when, and what they did: oldest first."""
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.concern_reference == reference).order_by(AuditEntry.seq)
    )
    return [
        TrailLine(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            detail={
                name: str(entry.detail[name])[:40]
                for name in _SHOWN_DETAIL
                if isinstance(entry.detail, dict) and entry.detail.get(name) is not None
            },
        )
        for entry in entries
    ]
