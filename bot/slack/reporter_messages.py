"""What a reporter is told, in plain words, for each step of their concern."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.aftercare import CHECKIN_QUESTION, CheckinAnswer
from bot.domain.deadlines import within_words
from bot.domain.taxonomy import FEEDBACK_QUESTION, ConcernKind, Status
from bot.flows.aftercare import ANSWER_EVENT, CHECKIN_EVENT
from bot.slack.cards import slack_date
from bot.slack.ids import Action
from bot.slack.mrkdwn import quote
from storage.models import Concern, ConcernEvent


@dataclass(frozen=True)
class ReporterMessage:
    text: str
    blocks: list[dict[str, Any]]


def ack_promise(
    kind: str,
    raised_at: datetime,
    due_at: datetime,
    *,
    date_format: str = "{date_short_pretty} {time}",
) -> str:
    """When the team will acknowledge: in elapsed time and a clock time for safeguarding
    ("within the hour, by 7:00 PM today"), by a date for speak-up."""
    if kind == ConcernKind.SAFEGUARDING and (words := within_words(raised_at, due_at)):
        return f"{words}, by {slack_date(due_at, '{time} {date_short_pretty}')}"
    return "by " + slack_date(due_at, date_format)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def reporter_message(concern: Concern, event: ConcernEvent, body: str | None) -> ReporterMessage:
    """The DM for one timeline event; `body` is the decrypted free text the event carries."""
    ref = concern.reference
    team = (
        "the safeguarding team"
        if concern.kind == ConcernKind.SAFEGUARDING
        else "a Freedom to Speak Up guardian"
    )
    lines: list[str] = []
    if event.kind == "raised":
        if concern.urgent:
            lines.append(
                ":rotating_light: *If anyone is in immediate danger, call 999 now.* "
                "We have alerted the safeguarding team, but they cannot send help."
            )
        lines.append(
            f"We have received your concern *{ref}* and it is stored encrypted. "
            f"{team[:1].upper() + team[1:]} will acknowledge it "
            f"{ack_promise(concern.kind, concern.created_at, concern.ack_due_at)}. "
            "You will hear from us here at every step."
        )
    elif event.kind == "question":
        lines.append(f"A guardian has a question about your concern *{ref}*:")
        lines.append(quote(body or ""))
        lines.append("Press *Reply* to answer. Your answer goes through the bot.")
    elif event.kind == "reporter_reply":
        lines.append(f"Your reply about *{ref}* has reached the guardians.")
    elif event.kind == CHECKIN_EVENT:
        lines.append(
            f"Your concern *{ref}* was closed a few weeks ago. We check in with everyone who "
            f"speaks up. *{CHECKIN_QUESTION}* Only the people handling your concern see "
            "your answer."
        )
    else:
        lines.append(f"Update on your concern *{ref}*: {event.summary}.")
        if body:
            lines.append("Message from the team:\n" + quote(body))
        if event.kind == "close":
            lines.append(f"*{FEEDBACK_QUESTION}* Your answer helps the trust improve.")
    blocks = [_section("\n\n".join(lines))]
    if event.kind == "question":
        blocks.append(_button(Action.REPLY, "Reply", concern.id))
    elif event.kind == "close":
        blocks.append(_button(Action.GIVE_FEEDBACK, "Give feedback", concern.id))
    elif event.kind == CHECKIN_EVENT:
        blocks.append(
            _buttons(concern.id, (Action.CHECKIN_YES, "Yes", None), (Action.CHECKIN_NO, "No", None))
        )
    elif event.kind == ANSWER_EVENT and concern.checkin_answer == CheckinAnswer.YES:
        lines.append("If you would like your concern looked at again, press *Reopen my concern*.")
        blocks = [_section("\n\n".join(lines))]
        if concern.status == Status.CLOSED:
            blocks.append(_button(Action.REPORTER_REOPEN, "Reopen my concern", concern.id))
    return ReporterMessage(text=f"Update on your concern {ref}", blocks=blocks)


def _button(action: Action, label: str, value: str) -> dict[str, Any]:
    return _buttons(value, (action, label, "primary"))


def _buttons(value: str, *buttons: tuple[Action, str, str | None]) -> dict[str, Any]:
    """Buttons that each carry only the concern id: whoever presses is checked, not the value."""
    elements = []
    for action, label, style in buttons:
        element: dict[str, Any] = {
            "type": "button",
            "action_id": action.value,
            "text": {"type": "plain_text", "text": label},
            "value": value,
        }
        if style:
            element["style"] = style
        elements.append(element)
    return {"type": "actions", "elements": elements}
