"""After closure: the reporter's check-in answers and "Reopen my concern" in their DMs, and
the card's Learning summary button. Each press is checked against the verified user: the
button's value only says which concern is meant."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.domain.aftercare import CheckinAnswer
from bot.flows import aftercare, learning_summary
from bot.flows.context import AppContext
from bot.flows.learning_summary import LearningStep
from bot.slack import learning_views
from bot.slack.ids import Action, Callback
from bot.slack.replies import tell
from bot.slack.signed_metadata import form_metadata
from handlers.actions.concern_button import on_concern_button

CHECKIN_THANKS = {
    CheckinAnswer.YES: "Thank you for telling us. The people handling your concern have been "
    "told, and it is recorded.",
    CheckinAnswer.NO: "Thank you for answering. That is recorded; nothing more is needed.",
}


def register(app: App, context: AppContext) -> None:
    def checkin(action: Action, answer: CheckinAnswer) -> None:
        def answered(client: WebClient, body: dict[str, Any], user: str, concern_id: str) -> None:
            aftercare.answer_checkin(context, concern_id, user, answer)
            tell(client, body, CHECKIN_THANKS[answer])

        on_concern_button(app, action, answered)

    checkin(Action.CHECKIN_YES, CheckinAnswer.YES)
    checkin(Action.CHECKIN_NO, CheckinAnswer.NO)

    def reopen_mine(client: WebClient, body: dict[str, Any], user: str, concern_id: str) -> None:
        reference = aftercare.reopen_by_reporter(context, concern_id, user)
        tell(client, body, f"{reference} is reopened. A guardian will be in touch here.")

    def learning(client: WebClient, body: dict[str, Any], user: str, concern_id: str) -> None:
        target = learning_summary.learning_target(context, concern_id, user)
        if target.step is LearningStep.POSTED:
            tell(client, body, f"The learning summary of {target.reference} is already posted.")
            return
        if target.step is LearningStep.APPROVE and target.text and target.drafted_by:
            metadata = form_metadata(
                context.vault.ring, Callback.LEARNING_APPROVE, target.concern_id, user
            )
            view = learning_views.approve_view(
                target.reference, metadata, target.text, target.drafted_by
            )
        else:
            metadata = form_metadata(
                context.vault.ring, Callback.LEARNING_DRAFT, target.concern_id, user
            )
            view = learning_views.draft_view(target.reference, metadata, target.text)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    on_concern_button(app, Action.REPORTER_REOPEN, reopen_mine)
    on_concern_button(app, Action.LEARNING_SUMMARY, learning)
