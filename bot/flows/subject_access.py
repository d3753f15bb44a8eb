"""Subject access: what the trust holds about a named reporter, for a request under data
protection law, as JSON and as readable text.

Only open and confidential concerns are searched. Anonymous concerns are left out by design:
the person asked for anonymity from everyone in the trust, including whoever runs this
export, so the export neither finds them nor says whether any exist for this person.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.taxonomy import (
    ELEMENTS,
    IDENTITY_LABELS,
    KIND_LABELS,
    OUTCOMES,
    STATUS_LABELS,
    ConcernKind,
    IdentityMode,
)
from bot.flows.conversation import audit_concern, is_reporter
from bot.flows.timeline import read_timeline
from storage.models import Concern
from storage.vault import Vault

SEARCHED = (IdentityMode.OPEN.value, IdentityMode.CONFIDENTIAL.value)
ANONYMOUS_NOTE = (
    "Anonymous concerns are not searched, by design: nothing in this export can say whether "
    "this person raised any."
)


@dataclass(frozen=True)
class HeldMessage:
    at: str
    who: str  # "you" or "the guardians" / "the safeguarding team" / "the app"
    summary: str
    text: str | None


@dataclass(frozen=True)
class HeldConcern:
    reference: str
    kind: str
    identity_mode: str
    raised_at: str
    status: str
    outcome: str | None
    elements: list[str]
    what_you_told_us: dict[str, str]
    messages: list[HeldMessage]


@dataclass(frozen=True)
class SubjectAccessExport:
    generated_at: str
    concerns: list[HeldConcern]
    note: str = ANONYMOUS_NOTE

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def as_text(self) -> str:
        lines = [
            f"What the trust holds in Speak Up about this person ({self.generated_at})",
            "",
        ]
        if not self.concerns:
            lines.append("No open or confidential concerns were found for this Slack user.")
        for concern in self.concerns:
            lines += [
                f"{concern.reference} — {concern.kind}, {concern.identity_mode}",
                f"  raised {concern.raised_at}; status: {concern.status}"
                + (f"; outcome: {concern.outcome}" if concern.outcome else ""),
                f"  about: {', '.join(concern.elements) or 'not given'}",
                "  what you told us:",
                *[f"    {name}: {value}" for name, value in concern.what_you_told_us.items()],
                "  messages and updates:",
                *[
                    f"    {m.at} {m.who}: {m.summary}" + (f" — {m.text}" if m.text else "")
                    for m in concern.messages
                ],
                "",
            ]
        lines.append(self.note)
        return "\n".join(lines)


def _team(kind: str) -> str:
    return "the safeguarding team" if kind == ConcernKind.SAFEGUARDING else "the guardians"


def export_reporter(
    session: Session, vault: Vault, user_id: str, *, requested_by: str, now: datetime
) -> SubjectAccessExport:
    """Everything held about `user_id` as a reporter; the export itself is audited."""
    candidates = vault.ring.blind_index_candidates(user_id)
    rows = session.scalars(
        select(Concern)
        .where(Concern.reporter_index.in_(candidates), Concern.identity_mode.in_(SEARCHED))
        .order_by(Concern.created_at, Concern.id)
    ).all()
    held = []
    for concern in rows:
        if not is_reporter(vault, concern, user_id):
            continue
        report = vault.open_json(
            vault.concern_key(concern),
            concern.report_enc,
            table="concerns",
            row_id=concern.id,
            field="report",
        )
        messages = [
            HeldMessage(
                at=entry.at.isoformat(timespec="minutes"),
                who="you" if entry.actor_role == "reporter" else _team(concern.kind),
                summary=entry.summary,
                text=entry.body,
            )
            for entry in read_timeline(session, vault, concern, reporter_view=True)
        ]
        held.append(
            HeldConcern(
                reference=concern.reference,
                kind=KIND_LABELS[ConcernKind(concern.kind)],
                identity_mode=IDENTITY_LABELS[IdentityMode(concern.identity_mode)],
                raised_at=concern.created_at.isoformat(timespec="minutes"),
                status=STATUS_LABELS.get(concern.stage or concern.status, concern.status),
                outcome=OUTCOMES.get(concern.outcome or "") if concern.outcome else None,
                elements=[ELEMENTS.get(e, e) for e in concern.elements or []],
                what_you_told_us={str(k): str(v) for k, v in report.items()},
                messages=messages,
            )
        )
        audit_concern(
            session, concern, "concern.subject_access_export", actor=requested_by, now=now
        )
    return SubjectAccessExport(generated_at=now.isoformat(timespec="minutes"), concerns=held)
