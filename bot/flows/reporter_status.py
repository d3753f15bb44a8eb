"""What a reporter may see of their own concerns: found by the blind index, or by a receipt.

Nothing here writes anything about the person asking. Wrong receipts are counted in memory
only, and a receipt page's Reply button carries a short-lived signed pass instead of a
database record, so a no-contact reporter leaves no trace by checking on their concern.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.taxonomy import STATUS_LABELS, ConcernKind, IdentityMode, Status
from bot.flows.conversation import is_reporter
from bot.flows.timeline import TimelineEntry, read_timeline
from bot.slack import signed_metadata
from storage.crypto import KeyRing, hash_receipt, normalise_receipt, verify_receipt
from storage.models import Concern
from storage.vault import Vault

MY_CONCERNS_MAX = 20
# At most this many rows share a receipt's first group (raising keeps it unique); bounds the
# slow hashes one lookup can cost.
_LOCATOR_ROWS_MAX = 3


@dataclass(frozen=True)
class ConcernOverview:
    """One concern as its reporter sees it: facts, status and the events meant for them."""

    concern_id: str
    reference: str
    kind: ConcernKind
    identity_mode: IdentityMode
    status: str
    status_label: str
    raised_at: datetime
    last_update_at: datetime
    last_update: str
    timeline: tuple[TimelineEntry, ...]

    @property
    def closed(self) -> bool:
        return self.status == Status.CLOSED


def reporter_summary(entry: TimelineEntry) -> str:
    """An event's content-free summary, in the reporter's own words where they acted."""
    if entry.kind == "reporter_reply":
        return "You replied"
    return entry.summary


def overview(session: Session, vault: Vault, concern: Concern) -> ConcernOverview:
    """The reporter's view of one concern, timeline bodies decrypted."""
    timeline = tuple(read_timeline(session, vault, concern, reporter_view=True))
    last = timeline[-1] if timeline else None
    return ConcernOverview(
        concern_id=concern.id,
        reference=concern.reference,
        kind=ConcernKind(concern.kind),
        identity_mode=IdentityMode(concern.identity_mode),
        status=concern.status,
        status_label=STATUS_LABELS.get(concern.stage or concern.status, concern.status),
        raised_at=concern.created_at,
        last_update_at=last.at if last else concern.created_at,
        last_update=reporter_summary(last) if last else "Concern raised",
        timeline=timeline,
    )


def my_concerns(
    session: Session, vault: Vault, user_id: str, *, limit: int = MY_CONCERNS_MAX
) -> list[ConcernOverview]:
    """The person's own reachable concerns (open, confidential, anonymous with follow-up),
    newest first, found by the keyed blind index and confirmed against the sealed link."""
    candidates = vault.ring.blind_index_candidates(user_id)
    rows = session.scalars(
        select(Concern)
        .where(Concern.reporter_index.in_(candidates))
        .order_by(Concern.created_at.desc(), Concern.id)
        .limit(limit)
    ).all()
    return [overview(session, vault, row) for row in rows if is_reporter(vault, row, user_id)]


@cache
def _decoy_hash() -> str:
    return hash_receipt("0000-0000-0000-0000")


RECEIPT_TYPED_MAX = 200


def find_by_receipt(session: Session, typed: str) -> Concern | None:
    """The no-contact concern this receipt opens, or None for any failure.

    Every failure costs the same slow hash, so the answer's timing does not say whether
    the receipt was malformed, unknown or wrong.
    """
    # Bounded, so a pasted essay costs nothing; roomy, since a pasted receipt can carry
    # quotes, invisible spaces and dashes around its 16 characters (storage.crypto).
    canonical = normalise_receipt(typed[:RECEIPT_TYPED_MAX])
    rows: list[Concern] = []
    if canonical is not None:
        rows = list(
            session.scalars(
                select(Concern)
                .where(
                    Concern.receipt_locator == canonical[:4],
                    Concern.receipt_hash.is_not(None),
                    Concern.identity_mode == IdentityMode.ANONYMOUS_NO_CONTACT.value,
                )
                .order_by(Concern.id)
                .limit(_LOCATOR_ROWS_MAX)
            )
        )
    found = None
    for row in rows:
        if verify_receipt(canonical or "", row.receipt_hash or "") and found is None:
            found = row
    if not rows:
        verify_receipt(canonical or "0000-0000-0000-0000", _decoy_hash())
    return found


# --- wrong guesses -----------------------------------------------------------------------


class ReceiptGuard:
    """Counts one person's wrong receipts in this process's memory, never in the database.

    People are keyed by an HMAC under a random per-process key, so even this memory holds no
    user id. Several replicas each keep their own count; a guess still costs a slow hash.
    """

    def __init__(
        self,
        *,
        max_failures: int = 5,
        window_seconds: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _who(self, user_id: str) -> str:
        return hmac.new(self._key, user_id.encode(), hashlib.sha256).hexdigest()

    def _recent(self, who: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(who, []) if now - t < self.window_seconds]
        if recent:
            self._failures[who] = recent
        else:
            self._failures.pop(who, None)
        return recent

    def begin(self, user_id: str) -> tuple[float, float]:
        """Reserve one attempt before the slow check, so guesses sent at the same moment are
        counted like guesses sent one after another. Returns (wait, token): wait is 0 if the
        person may try now (else how long until they may); pass the token to `succeeded`."""
        now = self._clock()
        with self._lock:
            if len(self._failures) > 10_000:
                for who in list(self._failures):
                    self._recent(who, now)
            who = self._who(user_id)
            recent = self._recent(who, now)
            if len(recent) >= self.max_failures:
                return max(1.0, self.window_seconds - (now - recent[-self.max_failures])), now
            self._failures[who] = [*recent, now]
        return 0.0, now

    def succeeded(self, user_id: str, token: float) -> None:
        """A right receipt does not count against the person: release its reservation."""
        with self._lock:
            who = self._who(user_id)
            attempts = self._failures.get(who, [])
            if token in attempts:
                attempts.remove(token)
            if not attempts:
                self._failures.pop(who, None)


# --- passes: proof of a receipt, for the next step only -----------------------------------

PAGE_STEP = "receipt-page"  # the Reply button on a receipt page
REPLY_STEP = "receipt-reply"  # the reply modal opened from it
PAGE_STEP_SECONDS = 30 * 60
REPLY_STEP_SECONDS = 60 * 60


def _holder(ring: KeyRing, user_id: str) -> str:
    # Binds a pass to the Slack user who proved the receipt, without carrying their id.
    return ring.blind_index("receipt-holder:" + user_id)[:32]


def issue_pass(
    ring: KeyRing, purpose: str, concern_id: str, user_id: str, *, now: datetime, seconds: int
) -> str:
    """A signed, expiring pass saying `user_id` proved the receipt of `concern_id`."""
    return signed_metadata.sign(
        ring,
        {
            "p": purpose,
            "c": concern_id,
            "h": _holder(ring, user_id),
            "exp": int(now.timestamp()) + seconds,
        },
    )


def read_pass(
    ring: KeyRing, purpose: str, text: object, user_id: str, *, now: datetime
) -> str | None:
    """The concern id a pass names, or None if it is forged, altered, expired, issued for
    another step, or presented by anyone but the person it was issued to."""
    # What we sign is always ASCII; anything else was altered (and would upset compare_digest).
    data = signed_metadata.verify(ring, text if isinstance(text, str) and text.isascii() else None)
    if data is None or data.get("p") != purpose:
        return None
    expires, concern_id, holder = data.get("exp"), data.get("c"), data.get("h")
    if not isinstance(expires, int) or expires < now.timestamp():
        return None
    if not isinstance(holder, str) or not hmac.compare_digest(holder, _holder(ring, user_id)):
        return None
    return concern_id if isinstance(concern_id, str) else None
