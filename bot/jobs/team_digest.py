"""What the guardians' and the safeguarding team's daily digest jobs share."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.schedules import Period
from bot.flows import effects
from bot.flows.digests import Digest


def queue_team_digest(
    session: Session, digest: Digest, *, channel: str, period: Period, now: datetime
) -> str:
    """Queue a team's digest once per period, however often it is run; returns the job's note."""
    effects.queue_digest(
        session,
        digest=digest.audience,
        period=period.key,
        channel=channel,
        payload=digest.to_payload(),
        now=now,
    )
    return f"{digest.count} concerns listed"
