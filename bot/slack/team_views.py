"""Modals for the guardians' and safeguarding team's actions, and the reporter's reply forms."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.taxonomy import (
    AT_RISK,
    DETRIMENT_ANSWERS,
    ELEMENTS,
    FEEDBACK_ANSWERS,
    FEEDBACK_QUESTION,
    IDENTITY_LABELS,
    KIND_LABELS,
    MEDIUM_TEXT_MAX,
    OUTCOMES,
    PROFESSIONAL_GROUPS,
    STATUS_LABELS,
    WORKER_TYPES,
    ConcernKind,
    IdentityMode,
    Stage,
)
from bot.domain.team_rules import TeamForm
from bot.flows.team_actions import ConcernRef
from bot.flows.timeline import TimelineEntry
from bot.flows.triage import ConcernDetails
from bot.slack import safeguarding_views
from bot.slack.cards import slack_date
from bot.slack.form_blocks import modal, radio_input, section, select_input, small_print, text_input
from bot.slack.ids import Block as B
from bot.slack.ids import Callback
from bot.slack.mrkdwn import escape, quote
from bot.slack.recording_views import details_buttons

MESSAGE_MAX = 2000
SECTION_MAX = 3000

_REPORT_LABELS = {
    "description": "What happened",
    "location": "Where",
    "happened_on": "When",
    "raised_before": "Raised before with",
    "hoped_outcome": "Hoped-for outcome",
    "incident_number": "CAD / incident number",
}


def _clip(text: str, limit: int = SECTION_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def loading_view(reference: str) -> dict[str, Any]:
    view = View(
        type="modal",
        title="Concern details",
        close="Close",
        blocks=[SectionBlock(text=f"Opening {reference}…")],
    )
    return view.to_dict()


def notice_view(text: str) -> dict[str, Any]:
    """The details modal when there is nothing it may show, and why."""
    view = View(
        type="modal",
        title="Concern details",
        close="Close",
        blocks=[SectionBlock(text=_clip(text))],
    )
    return view.to_dict()


def details_view(
    details: ConcernDetails, reporter_name: str | None, *, lead: bool = False
) -> dict[str, Any]:
    """The decrypted concern for an authorised person; every opening is audited. A `lead`
    (of the concern's kind) is offered to place or lift a legal hold."""
    kind = ConcernKind(details.kind)
    mode = IdentityMode(details.identity_mode)
    if details.destroyed_at is not None:
        reporter = "No longer held"
    elif mode is IdentityMode.OPEN:
        reporter = f"{reporter_name or 'Unknown'} (open: may be shared with those who need it)"
    elif mode is IdentityMode.CONFIDENTIAL:
        reporter = f"{reporter_name or 'Unknown'} — *confidential: do not share without consent*"
    else:
        reporter = "Anonymous reporter"
    facts = [
        f"*Type:* {KIND_LABELS[kind]}",
        f"*Identity:* {IDENTITY_LABELS[mode]}",
        f"*Reporter:* {reporter}",
        f"*Status:* {STATUS_LABELS[details.stage or details.status]}",
        "*Owner:* " + (f"<@{details.owner_id}>" if details.owner_id else "Unassigned"),
        f"*Raised:* {slack_date(details.created_at)}",
    ]
    if kind is ConcernKind.SAFEGUARDING:
        facts.append("*At risk:* " + AT_RISK.get(details.at_risk or "", "not stated"))
        facts.append("*Urgency:* " + ("Immediate danger" if details.urgent else "Routine"))
    else:
        facts.append("*About:* " + ", ".join(ELEMENTS.get(e, e) for e in details.elements))
    if details.detriment:
        facts.append("*Reports detriment:* " + DETRIMENT_ANSWERS.get(details.detriment, "?"))
    if details.professional_group:
        facts.append("*Staff group:* " + PROFESSIONAL_GROUPS.get(details.professional_group, "?"))
    if details.site:
        facts.append(f"*Site:* {escape(details.site)}")
    if details.outcome:
        facts.append("*Outcome:* " + OUTCOMES.get(details.outcome, details.outcome))
    if details.feedback:
        facts.append("*Would speak up again:* " + FEEDBACK_ANSWERS.get(details.feedback, "?"))
    if kind is ConcernKind.SAFEGUARDING or details.referral_made_at:
        facts += safeguarding_views.referral_lines(details)
    facts += safeguarding_views.deadline_lines(details.deadlines)

    if details.worker_type:
        facts.append("*Works as:* " + WORKER_TYPES.get(details.worker_type, "?"))
    if details.legal_hold_at is not None:
        facts.append(
            f"*Legal hold:* placed by <@{details.legal_hold_by}> on "
            f"{slack_date(details.legal_hold_at)}; not destroyed while held"
        )
    blocks: list[Block] = [
        HeaderBlock(text=f"{KIND_LABELS[kind]} concern {details.reference}"),
        SectionBlock(text=MarkdownTextObject(text=_clip("\n".join(facts)))),
        details_buttons(
            details.concern_id,
            hold=(details.legal_hold_at is None) if lead and details.destroyed_at is None else None,
        ),
        DividerBlock(),
    ]
    if details.destroyed_at is not None:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*Details destroyed* on {slack_date(details.destroyed_at)} at the end "
                    "of the retention period. Only the facts counted in the returns are kept."
                )
            )
        )
    for key, label in _REPORT_LABELS.items():
        if details.report.get(key):
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(text=_clip(f"*{label}*\n{escape(details.report[key])}"))
                )
            )
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text="Timeline"))
    blocks.extend(_timeline_blocks(details.timeline, limit=100 - len(blocks) - 1))
    blocks.append(small_print("Your opening of this concern has been recorded."))
    return modal(Callback.DETAILS, "Concern details", blocks, "", submit=None)


# Events whose stored summary is worded for the reporter get a team-facing label here.
_TEAM_LABELS = {
    "acknowledge": "Acknowledged",
    "update_status": "Status updated; the reporter was told",
    "close": "Closed; the reporter was told and asked for feedback",
    "reopen": "Reopened; the reporter was told",
    "question": "Asked the reporter",
}


def _timeline_blocks(entries: list[TimelineEntry], *, limit: int) -> list[Block]:
    roles = {"reporter": "Reporter", "guardian": "Team", "system": "System"}
    rendered: list[Block] = []
    for entry in entries:
        who = f"<@{entry.actor_id}>" if entry.actor_id else roles.get(entry.actor_role, "")
        line = f"{slack_date(entry.at)} · {who} · {_TEAM_LABELS.get(entry.kind, entry.summary)}"
        if entry.body:
            tag = "" if entry.visible_to_reporter else " _(internal)_"
            line += f"{tag}\n" + quote(entry.body)
        rendered.append(SectionBlock(text=MarkdownTextObject(text=_clip(line))))
    if len(rendered) > limit:
        skipped = len(rendered) - limit + 1
        rendered = [
            small_print(f"{skipped} earlier entries not shown"),
            *rendered[-(limit - 1) :],
        ]
    return rendered


def form_view(
    form: TeamForm, ref: ConcernRef, metadata: str, *, today: date, team_name: str
) -> dict[str, Any]:
    """The modal a card button opens for `form` on the concern `ref`."""
    if form is TeamForm.ASSIGN:
        return assign_view(ref.reference, metadata, team_name)
    if form is TeamForm.ASK_REPORTER:
        return ask_reporter_view(ref.reference, metadata, no_contact=ref.no_contact)
    if form is TeamForm.ADD_NOTE:
        return add_note_view(ref.reference, metadata)
    if form is TeamForm.UPDATE_STATUS:
        return update_status_view(ref.reference, metadata)
    if form is TeamForm.CLOSE:
        return close_view(ref.reference, metadata)
    if form is TeamForm.NO_REFERRAL:
        return safeguarding_views.no_referral_view(ref.reference, metadata)
    if form is TeamForm.REFERRAL_CHASED:
        return safeguarding_views.referral_chased_view(ref.reference, metadata, today.isoformat())
    if form is TeamForm.RECORD_REFERRAL:
        return safeguarding_views.referral_view(ref.reference, metadata, today.isoformat())
    raise ValueError(f"{form} has its own view")


def ask_reporter_view(reference: str, metadata: str, *, no_contact: bool) -> dict[str, Any]:
    how = (
        "This reporter chose no contact: they will see your question only when they check "
        "their receipt with `/speakup status`."
        if no_contact
        else "The reporter receives this through the bot and can reply without revealing who "
        "they are to anyone who does not already know."
    )
    blocks: list[Block] = [
        section(f"Ask the reporter of *{reference}*. {how}"),
        text_input(B.MESSAGE, "Your question", max_length=MESSAGE_MAX, optional=False),
    ]
    return modal(Callback.ASK_REPORTER, "Ask reporter", blocks, metadata, submit="Send")


def add_note_view(reference: str, metadata: str) -> dict[str, Any]:
    blocks: list[Block] = [
        section(
            f"Internal note on *{reference}*: encrypted, shown only in View details, "
            "never to the reporter."
        ),
        text_input(B.NOTE, "Note", max_length=MESSAGE_MAX, optional=False),
    ]
    return modal(Callback.ADD_NOTE, "Add note", blocks, metadata)


def assign_view(reference: str, metadata: str, team_name: str) -> dict[str, Any]:
    blocks: list[Block] = [
        InputBlock(
            block_id=B.OWNER,
            label=f"Who owns {reference}?",
            hint=PlainTextObject(text=f"Choose one of {team_name}."),
            element=UserSelectElement(action_id=B.OWNER),
        )
    ]
    return modal(Callback.ASSIGN, "Assign", blocks, metadata)


def update_status_view(reference: str, metadata: str) -> dict[str, Any]:
    blocks: list[Block] = [
        radio_input(
            B.STAGE, f"Where is {reference} now?", {s.value: STATUS_LABELS[s] for s in Stage}
        ),
        text_input(
            B.MESSAGE,
            "Message to the reporter (optional)",
            max_length=MESSAGE_MAX,
            optional=True,
            hint="Sent to the reporter with the update. Keep internal detail for a note.",
        ),
    ]
    return modal(Callback.UPDATE_STATUS, "Update status", blocks, metadata)


def close_view(reference: str, metadata: str) -> dict[str, Any]:
    blocks: list[Block] = [
        select_input(B.OUTCOME, "Outcome", OUTCOMES),
        text_input(
            B.OUTCOME_TEXT,
            "What was found and what changed",
            max_length=MEDIUM_TEXT_MAX * 3,
            optional=False,
            hint="Encrypted; shown to the team in View details.",
        ),
        text_input(
            B.MESSAGE,
            "Message to the reporter (optional)",
            max_length=MESSAGE_MAX,
            optional=True,
            hint="The reporter is told the outcome and asked for feedback.",
        ),
    ]
    return modal(Callback.CLOSE, f"Close {reference}"[:24], blocks, metadata, submit="Close")


def reporter_reply_view(reference: str, question: str | None, metadata: str) -> dict[str, Any]:
    blocks: list[Block] = []
    if question:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=_clip(f"*The guardian asked:*\n{escape(question)}", 2900)
                )
            )
        )
    blocks += [
        text_input(
            B.MESSAGE, f"Your reply about {reference}", max_length=MESSAGE_MAX, optional=False
        ),
        small_print(
            "Your reply goes to the guardians through the bot. If you chose to be "
            "anonymous, they still will not see who you are."
        ),
    ]
    return modal(Callback.REPORTER_REPLY, "Reply", blocks, metadata, submit="Send")


def feedback_view(
    reference: str, metadata: str, callback_id: str = Callback.FEEDBACK
) -> dict[str, Any]:
    """The feedback question and its answers, the same for every reporter."""
    blocks: list[Block] = [
        radio_input(B.FEEDBACK, FEEDBACK_QUESTION[:2000], FEEDBACK_ANSWERS),
        text_input(
            B.FEEDBACK_COMMENT,
            "Anything you'd like to add? (optional)",
            max_length=MESSAGE_MAX,
            optional=True,
        ),
        small_print(
            f"About {reference}. Answers are counted for the trust's quarterly "
            "return and never shown against your name."
        ),
    ]
    return modal(callback_id, "Your feedback", blocks, metadata, submit="Send")
