"""Buttons in the reporter's DMs: Reply to a guardian's question, Give feedback at closure.

Only the concern's own reporter may use them: the clicking user, from the verified payload,
is compared with the concern's sealed reporter link; the button's value proves nothing.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.taxonomy import Status
from bot.flows.context import AppContext
from bot.flows.conversation import is_reporter, latest_question
from bot.flows.team_actions import form_metadata
from bot.flows.triage import find_concern
from bot.slack import team_views as triage_views
from bot.slack.copy import REPLIES_CLOSED
from bot.slack.ids import Action, Callback
from handlers.replies import tell

NOT_YOURS = "This button belongs to someone else's concern, so it does nothing for you."


def register(app: App, context: AppContext) -> None:
    @app.action(Action.REPLY.value)
    def reply(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        with context.db.transaction() as session:
            concern = find_concern(session, str(body["actions"][0].get("value") or ""))
            message = NOT_YOURS
            if concern is None or not is_reporter(context.vault, concern, user):
                view = None
            elif concern.status == Status.CLOSED:
                view = None
                message = REPLIES_CLOSED
            else:
                metadata = form_metadata(context, Callback.REPORTER_REPLY, concern.id, user)
                question = latest_question(session, context.vault, concern)
                view = triage_views.reporter_reply_view(concern.reference, question, metadata)
        if view is None:
            tell(client, body, message)
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(Action.GIVE_FEEDBACK.value)
    def feedback(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        message = NOT_YOURS
        view = None
        with context.db.transaction() as session:
            concern = find_concern(session, str(body["actions"][0].get("value") or ""))
            if concern is not None and is_reporter(context.vault, concern, user):
                if concern.status != Status.CLOSED:
                    message = (
                        "Your concern has been reopened, so feedback can wait until it closes."
                    )
                elif concern.feedback:
                    message = "Thank you: your feedback on this concern is already recorded."
                else:
                    metadata = form_metadata(context, Callback.FEEDBACK, concern.id, user)
                    view = triage_views.feedback_view(concern.reference, metadata)
        if view is None:
            tell(client, body, message)
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)
