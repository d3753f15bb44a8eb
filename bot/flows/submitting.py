"""Storing a submitted raise form, once: the one path for a reporter's form and a guardian's
record alike."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.flows import dedupe
from bot.flows.context import AppContext
from bot.flows.raising import (
    RaisedConcern,
    RaiseRequest,
    find_by_submission,
    prepare_raise,
    repeat_submission,
    replayed_no_contact,
)

# A fresh reference collides about one time in a billion; three tries make failing moot.
_STORE_ATTEMPTS = 3


def store_submission(
    context: AppContext,
    request: RaiseRequest,
    *,
    reporter_user_id: str | None,
    submission_id: str,
) -> RaisedConcern:
    """Store the concern a form submitted; a repeat of the same form answers with what the
    first one stored."""
    attempts_left = _STORE_ATTEMPTS
    while True:
        prepared = prepare_raise(
            context.vault,
            context.raise_policy,
            request,
            reporter_user_id=reporter_user_id,
            submission_id=submission_id,
            now=context.now(),
        )
        try:
            return context.raises.run(prepared)
        except IntegrityError:
            # Most often the same view sent again (a double click, or Slack resending after
            # a lost answer): answer with what the first one stored. Otherwise the random
            # reference was taken: try again with a new one.
            with context.db.transaction() as session:
                existing = find_by_submission(session, context.vault, submission_id)
                if existing is not None:
                    return repeat_submission(session, context.vault, existing)
                if dedupe.seen_no_contact_submission(session, context.vault.ring, submission_id):
                    return replayed_no_contact(request)
            attempts_left -= 1
            if not attempts_left:
                raise
