"""The safeguarding team's referral-decision modals, and how the decision reads in View details.

Record referral, No referral needed (a reason from the list, with what it needs), Confirm no
referral (a second member reviews what was proposed) and Acknowledgement chased.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.deadlines import Deadline
from bot.domain.safeguarding import DETAIL_MAX, NO_REFERRAL_REASONS
from bot.flows.referral_forms import NoReferralProposal
from bot.flows.triage import ConcernDetails
from bot.slack.cards import slack_date
from bot.slack.ids import Block as B
from bot.slack.ids import Callback
from bot.slack.mrkdwn import escape


def _modal(
    callback_id: str, title: str, blocks: list[Block], metadata: str, submit: str = "Save"
) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=callback_id,
        title=title[:24],
        submit=submit,
        close="Cancel",
        blocks=blocks,
        private_metadata=metadata,
    )
    return view.to_dict()  # validates against Block Kit's limits first


def referral_view(reference: str, metadata: str, today: str) -> dict[str, Any]:
    blocks: list[Block] = [
        InputBlock(
            block_id=B.AUTHORITY,
            label="Local authority referred to",
            element=PlainTextInputElement(action_id=B.AUTHORITY, max_length=120),
        ),
        InputBlock(
            block_id=B.REFERRAL_DATE,
            label="Date of referral",
            element=DatePickerElement(action_id=B.REFERRAL_DATE, initial_date=today),
        ),
        InputBlock(
            block_id=B.REFERRAL_REFERENCE,
            label="Their reference (optional)",
            optional=True,
            element=PlainTextInputElement(action_id=B.REFERRAL_REFERENCE, max_length=80),
        ),
    ]
    return _modal(Callback.REFERRAL, f"Referral {reference}", blocks, metadata)


def no_referral_view(reference: str, metadata: str) -> dict[str, Any]:
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"Record why *{reference}* needs no local-authority referral. A second "
                "member of the safeguarding team must confirm it before the concern can close."
            )
        ),
        InputBlock(
            block_id=B.NO_REFERRAL_REASON,
            label="Why is no referral needed?",
            element=RadioButtonsElement(
                action_id=B.NO_REFERRAL_REASON,
                options=[Option(value=k, text=v) for k, v in NO_REFERRAL_REASONS.items()],
            ),
        ),
        InputBlock(
            block_id=B.NO_REFERRAL_DETAIL,
            label="Details",
            optional=True,
            hint=PlainTextObject(
                text="Already referred by the crew: the CAD / incident number. Duplicate: the "
                "other concern's reference (SG-…). Other: the reason. Encrypted."
            ),
            element=PlainTextInputElement(
                action_id=B.NO_REFERRAL_DETAIL, multiline=True, max_length=DETAIL_MAX
            ),
        ),
    ]
    return _modal(Callback.NO_REFERRAL, "No referral needed", blocks, metadata)


def confirm_no_referral_view(
    reference: str, metadata: str, proposal: NoReferralProposal
) -> dict[str, Any]:
    """What a second member confirms: the reason, its detail and who proposed it."""
    lines = [
        f"*Reason:* {NO_REFERRAL_REASONS.get(proposal.reason, proposal.reason)}",
    ]
    if proposal.detail:
        lines.append(f"*Details:* {escape(proposal.detail)}")
    if proposal.proposed_by:
        lines.append(f"*Proposed by:* <@{proposal.proposed_by}>")
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"Confirm that *{reference}* needs no local-authority referral.\n\n"
                + "\n".join(lines)
            )
        ),
        InputBlock(
            block_id=B.CONFIRM,
            label="Your confirmation",
            element=CheckboxesElement(
                action_id=B.CONFIRM,
                options=[Option(value="agree", text="I agree that no referral is needed")],
            ),
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="If you disagree, cancel and press Record referral on the card. "
                    "Your opening of this has been recorded."
                )
            ]
        ),
    ]
    return _modal(
        Callback.CONFIRM_NO_REFERRAL, "Confirm no referral", blocks, metadata, submit="Confirm"
    )


def referral_chased_view(reference: str, metadata: str, today: str) -> dict[str, Any]:
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"Record that the local authority has not acknowledged the referral on "
                f"*{reference}* and that you chased it. Press Referral acknowledged instead "
                "if the acknowledgement came."
            )
        ),
        InputBlock(
            block_id=B.CHASED_ON,
            label="Date you chased it",
            element=DatePickerElement(action_id=B.CHASED_ON, initial_date=today),
        ),
    ]
    return _modal(Callback.REFERRAL_CHASED, "Acknowledgement chased", blocks, metadata)


def referral_lines(details: ConcernDetails) -> list[str]:
    """The referral decision as View details states it."""
    if details.referral_made_at:
        if details.referral_acknowledged_at:
            ack = slack_date(details.referral_acknowledged_at)
        elif details.referral_chased_at:
            ack = f"*chased {slack_date(details.referral_chased_at)}, not received*"
        else:
            ack = "*not yet acknowledged*"
        return [
            f"*Referral:* {escape(details.referral_authority or '')}, "
            f"{slack_date(details.referral_made_at)}"
            + (f", ref {escape(details.referral_reference)}" if details.referral_reference else "")
            + f"; acknowledged: {ack}"
        ]
    decision = details.no_referral
    if decision is None:
        return ["*Referral:* *not yet recorded*"]
    line = "*Referral:* none needed — " + NO_REFERRAL_REASONS.get(decision.reason, decision.reason)
    if decision.detail:
        line += f" ({escape(decision.detail)})"
    if decision.proposed_by:
        line += f"; proposed by <@{decision.proposed_by}>"
    if decision.confirmed_by:
        line += f", confirmed by <@{decision.confirmed_by}>"
    else:
        line += "; *awaiting a second member's confirmation*"
    return [line]


def deadline_lines(deadlines: list[Deadline]) -> list[str]:
    """Each open deadline with its time; an overdue one is flagged."""
    return [
        ("*Overdue:* " if d.overdue else "*Due:* ") + f"{d.what} by {slack_date(d.due_at)}"
        for d in deadlines
    ]
