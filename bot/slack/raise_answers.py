"""From a submitted raise view to the acknowledgement Slack shows: validate, store, answer.

Everything here happens before Slack is answered, so it touches only the database: the
concern is committed before the reporter is told it is safe.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.exc import SQLAlchemyError

from bot.domain.clock import local_today
from bot.domain.routing import RoutingError
from bot.domain.taxonomy import ConcernKind, IdentityMode
from bot.flows.context import AppContext
from bot.flows.submitting import store_submission
from bot.slack import copy as help_text
from bot.slack import raise_form, raise_parsing, signed_metadata
from bot.slack.ids import Block
from bot.slack.reporter_messages import ack_promise

log = structlog.stdlib.get_logger(__name__)

NO_SAFEGUARDING_CHANNEL = (
    "Safeguarding concerns cannot be taken here yet, so nothing was sent. If anyone is in "
    "immediate danger call 999 now; otherwise contact the safeguarding team directly."
)
NOT_SAVED = (
    "We could not save your concern just now, so nothing was sent. Your text is still here: "
    "please press Send again in a minute."
)


def errors(fields: dict[str, str]) -> dict[str, Any]:
    return {"response_action": "errors", "errors": fields}


def submit_raise(
    context: AppContext, kind: ConcernKind, user_id: str, view: dict[str, Any]
) -> dict[str, Any]:
    """The arguments for Bolt's ack(): field errors, or the confirmation view."""
    text = view.get("private_metadata")
    # What we sign is always ASCII; anything else was altered (and would upset compare_digest).
    genuine = isinstance(text, str) and text.isascii()
    metadata = signed_metadata.verify(context.vault.ring, text if genuine else None)
    if metadata is None or metadata.get("form") != kind.value:
        log.warning("raise.tampered_metadata", kind=kind.value)
        return errors({Block.DESCRIPTION: help_text.FORM_TAMPERED})
    if kind is ConcernKind.SAFEGUARDING and not context.policy.safeguarding_on:
        # A safeguarding form opened before safeguarding was turned off: say where to go.
        return errors({Block.DESCRIPTION: context.policy.safeguarding_elsewhere})
    state = raise_parsing.state_values(view)
    parsed = raise_parsing.parse_submission(
        kind,
        state,
        sites=list(context.policy.sites),
        today=local_today(context.now(), context.policy.timezone),
    )
    if parsed.request is None:
        return errors(parsed.errors)
    view_id = view.get("id")
    if not isinstance(view_id, str) or not view_id or len(view_id) > 255:
        return errors({Block.DESCRIPTION: help_text.FORM_TAMPERED})
    try:
        raised = store_submission(
            context, parsed.request, reporter_user_id=user_id, submission_id=view_id
        )
    except RoutingError:
        log.error("raise.no_route", kind=kind.value)
        return errors({Block.DESCRIPTION: NO_SAFEGUARDING_CHANNEL})
    except SQLAlchemyError as exc:
        # Not log.exception: a database error's text carries the statement's parameters.
        log.error("raise.not_saved", kind=kind.value, error=type(exc).__name__)
        return errors({Block.DESCRIPTION: NOT_SAVED})
    no_contact = raised.identity_mode is IdentityMode.ANONYMOUS_NO_CONTACT
    log.info(
        "raise.stored",
        # Not for no-contact concerns: with Slack's own record of who sent a form when, a
        # line's time would tie the person to the reference.
        reference=None if no_contact else raised.reference,
        kind=raised.kind.value,
        urgent=raised.urgent,
        duplicate=raised.duplicate,
    )
    return {
        "response_action": "update",
        "view": raise_form.confirmation_view(
            raised,
            ack_promise=ack_promise(
                raised.kind,
                context.now(),
                raised.ack_due_at,
                date_format="{date_long_pretty}",
            ),
        ),
    }
