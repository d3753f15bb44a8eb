"""From a guardian's "Record a concern" to the modal, and from the submitted modal to the
answer Slack shows: authorise, validate, store, then answer."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.exc import SQLAlchemyError

from bot.domain.clock import local_today
from bot.domain.routing import RoutingError
from bot.flows.context import AppContext
from bot.flows.recording import NotAGuardian, may_record, record_concern
from bot.slack import record_form, signed_metadata
from bot.slack.copy import FORM_TAMPERED
from bot.slack.ids import Block, Callback
from bot.slack.raise_parsing import state_values

log = structlog.stdlib.get_logger(__name__)

NOT_SAVED = (
    "The concern could not be saved just now, so nothing was recorded. What you typed is "
    "still here: please press Record again in a minute."
)


def record_view(context: AppContext, user_id: str) -> dict[str, Any]:
    """The recording modal for a guardian; NotAGuardian for anyone else."""
    may_record(context, user_id)
    metadata = signed_metadata.sign(
        context.vault.ring, {"form": Callback.RECORD_CONCERN.value, "by": user_id}
    )
    today = local_today(context.now(), context.policy.timezone)
    return record_form.record_form(sites=list(context.policy.sites), metadata=metadata, today=today)


def _errors(fields: dict[str, str]) -> dict[str, Any]:
    return {"response_action": "errors", "errors": fields}


def submit_record(context: AppContext, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
    """The arguments for Bolt's ack(): field errors, or the confirmation."""
    text = view.get("private_metadata")
    data = signed_metadata.verify(
        context.vault.ring, text if isinstance(text, str) and text.isascii() else None
    )
    view_id = view.get("id")
    if (
        data is None
        or data.get("form") != Callback.RECORD_CONCERN.value
        or data.get("by") != user_id
        or not isinstance(view_id, str)
        or not view_id
    ):
        return _errors({Block.DESCRIPTION: FORM_TAMPERED})
    today = local_today(context.now(), context.policy.timezone)
    parsed = record_form.parse_record(
        state_values(view),
        sites=list(context.policy.sites),
        today=today,
        timezone=context.policy.timezone,
        recorded_by=user_id,
    )
    if parsed.request is None:
        return _errors(parsed.errors)
    try:
        raised = record_concern(
            context,
            parsed.request,
            guardian_id=user_id,
            reporter_user=parsed.reporter_user,
            submission_id=view_id,
        )
    except NotAGuardian as refused:
        return _errors({Block.DESCRIPTION: str(refused)})
    except RoutingError:
        return _errors({Block.DESCRIPTION: "There is no channel to send this concern to."})
    except SQLAlchemyError as exc:
        log.error("record.not_saved", error=type(exc).__name__)
        return _errors({Block.DESCRIPTION: NOT_SAVED})
    return {"response_action": "update", "view": record_form.recorded_view(raised.reference)}
