"""When a concern's sealed facts do not match its columns (storage.vault): nothing of it is
shown, the person is told plainly, and it is logged and audited for the ops team."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.exc import SQLAlchemyError

from storage import audit
from storage.db import Database
from storage.vault import IntegrityCheckFailed

__all__ = ["INTEGRITY_FAILED", "IntegrityCheckFailed", "integrity_failed"]

log = structlog.stdlib.get_logger(__name__)

INTEGRITY_FAILED = (
    "This concern's record failed an integrity check; the ops team has been told. "
    "Nothing of it is shown until they have looked."
)


def integrity_failed(
    db: Database,
    failure: IntegrityCheckFailed,
    *,
    actor: str,
    where: str,
    now: datetime,
    name_concern: bool = True,
) -> str:
    """Record a failed check in its own transaction (the reader's own rolls back) and return
    what to tell the person. `actor` is a staff id, "reporter" or "system", never a
    reporter's id. A receipt check passes name_concern=False: a reference beside the time of
    the check could link a no-contact reporter to their concern (`speakup keys rotate` and
    View details name it instead)."""
    reference = failure.reference if name_concern else None
    # An error-level line is what the ops team's alerting watches for.
    log.error("integrity.check_failed", reference=reference, what=failure.what, where=where)
    try:
        with db.transaction() as session:
            audit.append(
                session,
                at=now,
                actor=actor,
                action="integrity.failed",
                concern_reference=reference,
                detail={"where": where},
            )
    except SQLAlchemyError as exc:
        log.error("integrity.not_audited", reference=reference, error=type(exc).__name__)
    return INTEGRITY_FAILED
