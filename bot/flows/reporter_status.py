"""What a reporter may see of their own concerns: found by the blind index, or by a receipt.

Nothing here writes anything about the person asking. Wrong receipts are counted in memory
only, and a receipt page's Reply button carries a short-lived signed pass instead of a
database record, so a no-contact reporter leaves no trace by checking on their concern.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.taxonomy import STATUS_LABELS, ConcernKind, IdentityMode, Status
from bot.flows.conversation import is_reporter
from bot.flows.raising import receipt_tag, receipt_tags
from bot.flows.timeline import TimelineEntry, read_timeline
from storage.crypto import hash_receipt, normalise_receipt, verify_receipt
from storage.models import Concern
from storage.vault import Vault

MY_CONCERNS_MAX = 20
# At most this many rows share a receipt's first group (raising keeps it unique); bounds the
# slow hashes one lookup can cost.
_LOCATOR_ROWS_MAX = 3


DETAILS_GONE = "Closed; details no longer held"


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
    feedback_given: bool = False  # "would you speak up again?" already answered

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
        status_label=DETAILS_GONE
        if concern.destroyed_at is not None
        else STATUS_LABELS.get(concern.stage or concern.status, concern.status),
        raised_at=concern.created_at,
        last_update_at=last.at if last else concern.created_at,
        last_update=reporter_summary(last) if last else "Concern raised",
        timeline=timeline,
        feedback_given=concern.feedback is not None,
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


def find_by_receipt(session: Session, vault: Vault, typed: str) -> Concern | None:
    """The no-contact concern this receipt opens, or None for any failure.

    Every failure costs the same slow hash, so the answer's timing does not say whether
    the receipt was malformed, unknown or wrong.
    """
    # Bounded, so a pasted essay costs nothing; roomy, since a pasted receipt can carry
    # quotes, invisible spaces and dashes around its 16 characters (storage.crypto).
    canonical = normalise_receipt(typed[:RECEIPT_TYPED_MAX])
    rows: list[Concern] = []
    if canonical is not None:
        group = canonical.split("-")[0]
        tags = receipt_tags(vault, group)
        rows = list(
            session.scalars(
                select(Concern)
                .where(
                    # The keyed tag under any key in the ring; or, for a receipt issued
                    # before tags, its first group in clear (re-tagged below once proven).
                    Concern.receipt_locator.in_([*tags, group]),
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
    if found is not None and canonical is not None and found.receipt_locator != tags[0]:
        _retag(vault, found, canonical.split("-")[0])
    return found


def _retag(vault: Vault, concern: Concern, group: str) -> None:
    """Move a proven receipt's locator to the newest key's tag (and seal its group), so the
    clear first group of an old receipt, or an old key's tag, does not outlive its use."""
    concern.receipt_locator = receipt_tag(vault, group)
    if concern.destroyed_at is not None:
        return  # its data key is gone: only the tag moves
    concern.receipt_group_enc = vault.seal_text(
        vault.concern_key(concern),
        group,
        table="concerns",
        row_id=concern.id,
        field="receipt_group",
    )
