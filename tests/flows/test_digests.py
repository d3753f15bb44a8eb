"""The daily digests' lists: each concern in the sections its facts put it in, and no other."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import update

from bot.domain.taxonomy import ConcernKind, IdentityMode, Stage, Status
from bot.flows import effects
from bot.flows.context import AppContext
from bot.flows.digests import Digest, Section, guardians_digest, safeguarding_digest
from storage import outbox
from storage.models import ConcernEvent, OutboxItem
from tests.support.concerns import SECRET, raise_concern, service, set_columns
from tests.support.harness import REPORTER, SAFEGUARDING_CHANNEL

# A Wednesday morning in London (no bank holiday near).
NOW = datetime(2026, 3, 11, 8, 30, tzinfo=UTC)


def sections(digest: Digest) -> dict[Section, list[str]]:
    return {section: [row.reference for row in rows] for section, rows in digest.sections}


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def concern_in_state(
    context: AppContext, raised: datetime, raising: dict[str, Any] | None = None, **columns: Any
) -> tuple[str, str]:
    """A concern raised at `raised` (with `raising`'s answers) and put straight into `columns`."""
    concern_id, reference = raise_concern(context, raised, **(raising or {}))
    set_columns(context, concern_id, **columns)
    return concern_id, reference


def test_guardians_digest_puts_each_concern_where_its_facts_say(database_url: str) -> None:
    with service(database_url) as context:
        # Raised yesterday, untouched: unacknowledged, no owner; not due yet.
        _, fresh = raise_concern(context, ago(days=1))
        # Raised last week and never acknowledged: overdue too.
        _, late = raise_concern(context, ago(days=8))
        # Acknowledged with an owner, awaiting information, last contact ten days ago; the
        # second is the same but the reporter replied two days ago: not waiting on them.
        waiting_for_reply = {
            "status": Status.IN_PROGRESS,
            "stage": Stage.AWAITING_INFORMATION,
            "acknowledged_at": ago(days=19),
            "owner_id": "U0GUARD1",
            "last_reporter_update_at": ago(days=10),
        }
        _, waiting = concern_in_state(context, ago(days=20), **waiting_for_reply)
        replied_id, replied = concern_in_state(context, ago(days=20), **waiting_for_reply)
        with context.db.transaction() as session:
            session.add(
                ConcernEvent(
                    uid="reply-1",
                    concern_id=replied_id,
                    at=ago(days=2),
                    kind="reporter_reply",
                    actor_role="reporter",
                    summary="The reporter replied",
                )
            )
        # Open, owned, the reporter says they suffered detriment.
        _, harmed = concern_in_state(
            context,
            ago(days=3),
            {"detriment": "yes"},
            status=Status.ACKNOWLEDGED,
            acknowledged_at=ago(days=2),
            owner_id="U0GUARD2",
        )
        # Closed last week, the reporter can answer, no feedback yet.
        _, closed = concern_in_state(
            context,
            ago(days=30),
            status=Status.CLOSED,
            acknowledged_at=ago(days=29),
            closed_at=ago(days=5),
            owner_id="U0GUARD1",
        )
        # Closed, but feedback given: nothing to chase. Closed with a no-contact receipt
        # counts as reachable; closed long ago is past chasing.
        closed_by = {"status": Status.CLOSED, "owner_id": "U0GUARD1"}
        _, answered = concern_in_state(
            context, ago(days=30), closed_at=ago(days=5), feedback="yes", **closed_by
        )
        _, receipt = concern_in_state(
            context,
            ago(days=30),
            {"identity": IdentityMode.ANONYMOUS_NO_CONTACT},
            closed_at=ago(days=1),
            **closed_by,
        )
        _, old = concern_in_state(context, ago(days=200), closed_at=ago(days=100), **closed_by)
        # Safeguarding concerns are the safeguarding team's, never in the guardians' digest.
        _, safeguarding = raise_concern(context, ago(days=8), kind=ConcernKind.SAFEGUARDING)

        with context.db.transaction() as session:
            digest = guardians_digest(session, context.policy, NOW)

    found = sections(digest)
    assert found[Section.UNACKNOWLEDGED] == [late, fresh]
    assert found[Section.NO_OWNER] == [late, fresh]
    due = {row.reference: row for row in dict(digest.sections)[Section.DUE]}
    assert set(due) == {late}
    assert due[late].what == "Acknowledge" and due[late].overdue
    assert found[Section.WAITING_ON_REPORTER] == [waiting]
    assert found[Section.DETRIMENT] == [harmed]
    assert found[Section.FEEDBACK_OUTSTANDING] == [closed, receipt]
    everywhere = {ref for refs in found.values() for ref in refs}
    assert not {replied, answered, old, safeguarding} & everywhere
    assert digest.count == 6 and not digest.empty


def test_a_deadline_due_later_today_is_listed_and_tomorrows_is_not(database_url: str) -> None:
    with service(database_url) as context:
        today_id, today = raise_concern(context, ago(days=20))
        tomorrow_id, tomorrow = raise_concern(context, ago(days=20))
        for concern_id, hours in ((today_id, 10), (tomorrow_id, 30)):
            set_columns(
                context,
                concern_id,
                status=Status.ACKNOWLEDGED,
                owner_id="U0GUARD1",
                acknowledged_at=ago(days=14) + timedelta(hours=hours),
            )
        with context.db.transaction() as session:
            digest = guardians_digest(session, context.policy, NOW)
    due = dict(digest.sections)[Section.DUE]
    assert [(row.reference, row.what, row.overdue) for row in due] == [
        (today, "Update the reporter", False)
    ]
    assert tomorrow not in json.dumps(digest.to_payload())


def test_safeguarding_digest_lists_referrals_closures_and_what_did_not_arrive(
    database_url: str,
) -> None:
    with service(database_url) as context:
        urgent_id, urgent = raise_concern(
            context, ago(hours=5), kind=ConcernKind.SAFEGUARDING, immediate_danger=True
        )
        safeguarding = partial(
            concern_in_state, context, raising={"kind": ConcernKind.SAFEGUARDING}
        )
        _, referred = safeguarding(
            ago(days=6), status=Status.ACKNOWLEDGED, referral_made_at=ago(days=5)
        )
        _, acked = safeguarding(
            ago(days=6),
            status=Status.CLOSED,
            closed_at=ago(days=1),
            referral_made_at=ago(days=5),
            referral_acknowledged_at=ago(days=4),
        )
        _, no_referral = safeguarding(
            ago(days=4), status=Status.CLOSED, closed_at=ago(days=2), outcome="not_upheld"
        )
        _, long_ago = safeguarding(ago(days=40), status=Status.CLOSED, closed_at=ago(days=30))
        # Nothing reached Slack: the urgent card has been refused; the others were delivered.
        with context.db.transaction() as session:
            session.execute(
                update(OutboxItem)
                .where(OutboxItem.concern_id != urgent_id)
                .values(status=outbox.DELIVERED)
            )
            session.execute(
                update(OutboxItem)
                .where(
                    OutboxItem.concern_id == urgent_id,
                    OutboxItem.kind == effects.EffectKind.CARD,
                )
                .values(attempts=3, last_error="200 not_in_channel")
            )
            digest = safeguarding_digest(session, context.policy, NOW, channel=SAFEGUARDING_CHANNEL)

    found = sections(digest)
    assert found[Section.NO_REFERRAL] == [urgent]
    assert found[Section.REFERRAL_UNACKNOWLEDGED] == [referred]
    referral_row = dict(digest.sections)[Section.REFERRAL_UNACKNOWLEDGED][0]
    assert referral_row.overdue  # two working days have passed since the referral
    assert found[Section.CLOSED_WITHOUT_REFERRAL] == [no_referral]
    assert found[Section.UNDELIVERED] == [urgent]
    undelivered = dict(digest.sections)[Section.UNDELIVERED][0]
    assert undelivered.what == "not_in_channel" and undelivered.urgent
    assert acked not in json.dumps(digest.to_payload())
    assert long_ago not in json.dumps(digest.to_payload())


def test_nothing_to_do_is_an_empty_digest_that_survives_the_outbox(database_url: str) -> None:
    with service(database_url) as context, context.db.transaction() as session:
        digest = guardians_digest(session, context.policy, NOW)
        assert digest.empty and digest.count == 0
        assert Digest.from_payload(json.loads(json.dumps(digest.to_payload()))) == digest


def test_a_digest_carries_references_and_facts_only(database_url: str) -> None:
    with service(database_url) as context:
        for identity in IdentityMode:
            raise_concern(context, ago(days=9), identity=identity, detriment="yes")
        with context.db.transaction() as session:
            payload = json.dumps(guardians_digest(session, context.policy, NOW).to_payload())
    assert SECRET not in payload
    assert REPORTER not in payload
    assert "confidential" not in payload and "anonymous" not in payload
