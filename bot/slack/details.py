"""View details: a concern's decrypted details in a modal, from the card's button.

The modal opens at once on the button's short-lived trigger ("Opening…"), then is filled in.
Whatever Slack does meanwhile, the person is never left with "Opening…" and no word:
- the modal cannot be opened (trigger expired, Slack slow or down): a private message says so;
- the reporter's name cannot be looked up (user_not_visible, user_not_found, rate limited,
  timed out): the details show "name unavailable";
- the details cannot be read: the modal says so;
- the modal cannot be filled in: a private message says so.
The showing is audited once Slack has answered for it (bot.flows.triage.record_viewing):
"concern.viewed" when shown, "concern.view_failed" when Slack did not confirm it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.views import View

from bot.domain.taxonomy import ConcernKind
from bot.flows import legal_hold, team_actions
from bot.flows.context import AppContext
from bot.flows.triage import NotAllowed, record_viewing
from bot.slack import team_views

log = structlog.stdlib.get_logger(__name__)

NAME_UNAVAILABLE = "name unavailable"
# What a Web API call can raise: Slack's error answers, the client's own, and the network's
# (timeouts included).
SLACK_FAILURES = (SlackApiError, SlackClientError, OSError)


def slack_error(exc: BaseException) -> str:
    """A content-free name for a failed call: Slack's error code, or the exception's type."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"http_{exc.response.status_code}")
    return type(exc).__name__


def not_opened(reference: str) -> str:
    return (
        f"I could not open the details of {reference}: Slack did not answer in time. "
        "Please press View details again."
    )


def not_shown(reference: str) -> str:
    return (
        f"I could not show the details of {reference}: Slack did not answer in time. "
        "Close the window and press View details again."
    )


def unreadable_view(reference: str) -> dict[str, Any]:
    return View(
        type="modal",
        title="Concern details",
        close="Close",
        blocks=[
            SectionBlock(
                text=f"The details of {reference} could not be opened just now. Please try "
                "again; if it happens again, tell the service's administrators."
            )
        ],
    ).to_dict()


def reporter_name(client: WebClient, user_id: str) -> str:
    """The reporter's name as Slack shows it, or NAME_UNAVAILABLE if Slack will not say."""
    try:
        profile = client.users_info(user=user_id)["user"]
    except SLACK_FAILURES as exc:
        log.info("details.name_unavailable", error=slack_error(exc))
        return NAME_UNAVAILABLE
    return str(profile.get("real_name") or profile.get("name") or NAME_UNAVAILABLE)


def show_details(
    context: AppContext,
    client: WebClient,
    *,
    concern_id: str,
    reference: str,
    viewer_id: str,
    trigger_id: str,
    tell: Callable[[str], None],
) -> None:
    """Open, fill in and audit the details modal for an already authorised viewer."""
    try:
        opened = client.views_open(trigger_id=trigger_id, view=team_views.loading_view(reference))
        view_id = str(opened["view"]["id"])
    except SLACK_FAILURES as exc:
        log.warning("details.not_opened", reference=reference, error=slack_error(exc))
        _tell(tell, not_opened(reference), reference)
        return
    fill_details(
        context,
        client,
        view_id=view_id,
        concern_id=concern_id,
        reference=reference,
        viewer_id=viewer_id,
        tell=tell,
    )


def fill_details(
    context: AppContext,
    client: WebClient,
    *,
    view_id: str,
    concern_id: str,
    reference: str,
    viewer_id: str,
    tell: Callable[[str], None],
) -> None:
    """Show the details (as they stand now) in the open modal `view_id`, and audit it: on
    opening, and again after a button in the modal changed what it shows."""
    try:
        details = team_actions.details(context, concern_id, viewer_id)
    except NotAllowed as refused:  # its sealed facts were changed: the ops team was told
        try:
            client.views_update(view_id=view_id, view=team_views.notice_view(str(refused)))
        except SLACK_FAILURES as update_exc:
            log.warning("details.not_shown", reference=reference, error=slack_error(update_exc))
            _tell(tell, str(refused), reference)
        return
    except Exception as exc:  # a key, the database: our fault, and the type says which
        log.error("details.unreadable", reference=reference, error=type(exc).__name__)
        try:
            client.views_update(view_id=view_id, view=unreadable_view(reference))
        except SLACK_FAILURES as update_exc:
            log.warning("details.not_shown", reference=reference, error=slack_error(update_exc))
            _tell(tell, not_shown(reference), reference)
        return
    name = reporter_name(client, details.reporter_user_id) if details.reporter_user_id else None
    lead = legal_hold.may_hold(context, viewer_id, ConcernKind(details.kind))
    failed = None
    try:
        client.views_update(view_id=view_id, view=team_views.details_view(details, name, lead=lead))
    except SLACK_FAILURES as exc:
        failed = slack_error(exc)
        log.warning("details.not_shown", reference=reference, error=failed)
        _tell(tell, not_shown(reference), reference)
    try:
        with context.db.transaction() as session:
            record_viewing(
                session, reference, viewer_id=viewer_id, now=context.now(), failed=failed
            )
    except Exception as exc:
        # Shown but not audited: loud, so the gap in the audit trail is known and dated.
        log.error("details.audit_failed", reference=reference, error=type(exc).__name__)


def _tell(tell: Callable[[str], None], text: str, reference: str) -> None:
    try:
        tell(text)
    except SLACK_FAILURES as exc:
        # Slack takes neither the modal nor a message: the log is all that is left.
        log.error("details.person_not_told", reference=reference, error=slack_error(exc))
