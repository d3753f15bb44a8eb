"""Concerns stored through the raise flow at a chosen time, for flow tests without Slack."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import update

from bot.domain.taxonomy import ConcernKind, IdentityMode
from bot.flows.context import AppContext
from bot.flows.raising import RaiseRequest, prepare_raise, store_raise
from bot.runtime.context import Service, build_context
from storage.models import Concern
from tests.support.harness import REPORTER, harness_settings

SECRET = "The agency nurse on Ward 7 was shouted at in front of patients"


@contextmanager
def service(database_url: str, **overrides: Any) -> Iterator[Service]:
    """The service's context on a migrated database, with no Slack behind it."""
    context = build_context(harness_settings(database_url, "http://127.0.0.1:9/api/", **overrides))
    context.db.upgrade()
    try:
        yield context
    finally:
        context.db.dispose()


def raise_concern(
    context: AppContext,
    now: datetime,
    *,
    kind: ConcernKind = ConcernKind.SPEAK_UP,
    identity: IdentityMode = IdentityMode.CONFIDENTIAL,
    **request: Any,
) -> tuple[str, str]:
    """Store a concern raised at `now` by REPORTER; returns its id and reference."""
    if kind is ConcernKind.SAFEGUARDING:
        request = {"at_risk": "child", "immediate_danger": False, **request}
    else:
        request = {"elements": ("worker_safety",), **request}
    prepared = prepare_raise(
        context.vault,
        context.raise_policy,
        RaiseRequest(kind=kind, identity_mode=identity, description=SECRET, **request),
        reporter_user_id=REPORTER,
        submission_id=str(uuid.uuid4()),
        now=now,
    )
    with context.db.transaction() as session:
        raised = store_raise(session, prepared)
    return prepared.concern_id, raised.reference


def set_columns(context: AppContext, concern_id: str, **columns: Any) -> None:
    """Put a concern in a state directly (what triage would have done), for query tests."""
    with context.db.transaction() as session:
        session.execute(
            update(Concern)
            .where(Concern.id == concern_id)
            .values(**columns)
            .execution_options(synchronize_session=False)
        )
