"""The card posted to a team channel: facts only, never free text or reporter identity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.deadlines import Deadline, DeadlineKey
from bot.domain.safeguarding import NO_REFERRAL_REASONS, Decision, ReferralFacts
from bot.domain.taxonomy import (
    AT_RISK,
    ELEMENTS,
    IDENTITY_LABELS,
    KIND_LABELS,
    RAISED_VIA,
    STATUS_LABELS,
    ConcernKind,
    IdentityMode,
    Status,
)
from bot.slack.form_blocks import small_print
from bot.slack.ids import Action
from storage.models import Concern

_Button = Callable[..., ButtonElement]


def slack_date(moment: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """Slack renders this in each reader's own time zone, and `{ago}` stays current."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


def mention(ids: list[str]) -> str:
    """Mentions for user ids (U…/W…) and user-group ids (S…)."""
    return " ".join(f"<!subteam^{i}>" if i.startswith("S") else f"<@{i}>" for i in ids)


def card_text(concern: Concern, *, team: list[str]) -> str:
    """Notification text: content-free; an urgent card notifies the team by mention."""
    kind = KIND_LABELS[ConcernKind(concern.kind)].lower()
    if concern.urgent and concern.status != Status.CLOSED:
        return f"URGENT {kind} concern {concern.reference}: immediate danger. {mention(team)}"
    return f"{KIND_LABELS[ConcernKind(concern.kind)]} concern {concern.reference}"


def _raised(concern: Concern) -> str:
    when = slack_date(concern.created_at, "{ago}")
    if concern.raised_via == "slack" or not concern.recorded_by:
        return when
    how = RAISED_VIA.get(concern.raised_via, "Outside the app")
    return f"{how}, {when}; recorded by <@{concern.recorded_by}>"


def card_blocks(
    concern: Concern,
    deadlines: list[Deadline],
    team: list[str] | None = None,
    *,
    learning: bool = False,
) -> list[dict[str, Any]]:
    """The card; `learning` offers a closed speak-up concern's Learning summary button (only
    when SPEAKUP_LEARNING_CHANNEL is set)."""
    kind = ConcernKind(concern.kind)
    status = STATUS_LABELS[concern.stage or concern.status]
    heading = f"{KIND_LABELS[kind]} concern {concern.reference}"
    if concern.urgent:
        heading = ":rotating_light: URGENT " + heading
    if kind is ConcernKind.SAFEGUARDING:
        about = "At risk: " + AT_RISK.get(concern.at_risk or "", "not stated")
    else:
        about = ", ".join(ELEMENTS.get(e, e) for e in concern.elements) or "Not stated"
    fields = [
        MarkdownTextObject(text=f"*Type*\n{KIND_LABELS[kind]}"),
        MarkdownTextObject(text=f"*About*\n{about}"),
        MarkdownTextObject(
            text=f"*Identity*\n{IDENTITY_LABELS[IdentityMode(concern.identity_mode)]}"
        ),
        MarkdownTextObject(
            text="*Urgency*\n" + ("Immediate danger" if concern.urgent else "Routine")
        ),
        MarkdownTextObject(text=f"*Status*\n{status}"),
        MarkdownTextObject(
            text="*Owner*\n" + (f"<@{concern.owner_id}>" if concern.owner_id else "Unassigned")
        ),
        MarkdownTextObject(text="*Raised*\n" + _raised(concern)),
    ]
    if kind is ConcernKind.SAFEGUARDING:
        fields.append(MarkdownTextObject(text="*Referral*\n" + _referral_state(concern, deadlines)))
    if deadlines:
        first = deadlines[0]
        flag = ":warning: OVERDUE " if first.overdue else ""
        fields.append(
            MarkdownTextObject(
                text=f"*Next deadline*\n{flag}{first.what} by " + slack_date(first.due_at)
            )
        )
    blocks: list[Block] = [HeaderBlock(text=heading[:150])]
    if concern.urgent and concern.status != Status.CLOSED and team:
        # Notifications are taken from blocks first, so the mention must be in one.
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f":rotating_light: Immediate danger: {mention(team)}")
            )
        )
    blocks += [
        SectionBlock(fields=fields),
        *_buttons(concern, learning=learning),
    ]
    overdue = [d for d in deadlines if d.overdue]
    if overdue:
        blocks.append(small_print(":warning: Overdue: " + "; ".join(d.what for d in overdue)))
    return [block.to_dict() for block in blocks]


def _buttons(concern: Concern, *, learning: bool = False) -> list[Block]:
    """The card's buttons; each carries only the concern id, and every click is re-authorised."""

    def button(action: Action, label: str, style: str | None = None) -> ButtonElement:
        return ButtonElement(action_id=action, text=label, value=concern.id, style=style)

    if concern.status == Status.CLOSED:
        closed = [button(Action.VIEW_DETAILS, "View details"), button(Action.REOPEN, "Reopen")]
        if learning and concern.kind == ConcernKind.SPEAK_UP:
            closed.append(button(Action.LEARNING_SUMMARY, "Learning summary"))
        return [ActionsBlock(elements=closed)]
    main = [button(Action.VIEW_DETAILS, "View details")]
    if concern.status == Status.RECEIVED:
        main.append(button(Action.ACKNOWLEDGE, "Acknowledge", "primary"))
    main += [
        button(Action.ASSIGN, "Assign"),
        button(Action.ASK_REPORTER, "Ask reporter"),
        button(Action.ADD_NOTE, "Add note"),
        button(Action.UPDATE_STATUS, "Update status"),
        button(Action.CLOSE, "Close", "danger"),
    ]
    blocks: list[Block] = [ActionsBlock(elements=main)]
    if concern.kind == ConcernKind.SAFEGUARDING:
        blocks.append(ActionsBlock(elements=_referral_buttons(concern, button)))
    return blocks


def _referral_buttons(concern: Concern, button: _Button) -> list[ButtonElement]:
    """The referral decision's buttons, for the step it is at."""
    decision = ReferralFacts.of(concern).decision
    buttons = [button(Action.RECORD_REFERRAL, "Record referral")]
    if decision is Decision.NONE:
        buttons.append(button(Action.NO_REFERRAL, "No referral needed"))
    elif decision is Decision.NO_REFERRAL_PENDING:
        buttons.append(button(Action.CONFIRM_NO_REFERRAL, "Confirm no referral", "primary"))
    elif decision in (Decision.REFERRED, Decision.REFERRED_CHASED):
        buttons.append(button(Action.RECORD_REFERRAL_ACK, "Referral acknowledged"))
        if decision is Decision.REFERRED:
            buttons.append(button(Action.REFERRAL_CHASED, "Acknowledgement chased"))
    return buttons


_STATES = {
    Decision.NONE: "Not recorded yet",
    Decision.REFERRED: "Made, awaiting acknowledgement",
    Decision.REFERRED_ACKNOWLEDGED: "Made and acknowledged",
    Decision.REFERRED_CHASED: "Made; acknowledgement chased, not received",
    Decision.NO_REFERRAL_PENDING: "None needed ({reason}), awaiting a second member's confirmation",
    Decision.NO_REFERRAL_CONFIRMED: "None needed ({reason}), confirmed",
}


def _referral_state(concern: Concern, deadlines: list[Deadline]) -> str:
    """Where the referral decision stands; a missing step is flagged, never silent."""
    facts = ReferralFacts.of(concern)
    reason = NO_REFERRAL_REASONS.get(facts.no_referral_reason or "", "").lower()
    state = _STATES[facts.decision].format(reason=reason)
    due = next(
        (d for d in deadlines if d.key in (DeadlineKey.REFERRAL, DeadlineKey.REFERRAL_ACK)), None
    )
    if due is None:
        return state
    flag = ":warning: OVERDUE — " if due.overdue else ""
    return f"{flag}{state} (due {slack_date(due.due_at)})"
