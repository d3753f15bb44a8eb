"""The safeguarding team's referral-decision modals, and how the decision reads in View details.

Record referral, No referral needed (a reason from the list, with what it needs), Confirm no
referral (a second member reviews what was proposed) and Acknowledgement chased.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
)

from bot.domain.deadlines import Deadline
from bot.domain.safeguarding import DETAIL_MAX, NO_REFERRAL_REASONS
from bot.flows.referral_forms import NoReferralProposal
from bot.flows.triage import ConcernDetails
from bot.slack.cards import slack_date
from bot.slack.form_blocks import date_input, modal, radio_input, section, small_print, text_input
from bot.slack.ids import Block as B
from bot.slack.ids import Callback
from bot.slack.mrkdwn import escape


def referral_view(reference: str, metadata: str, today: str) -> dict[str, Any]:
    blocks: list[Block] = [
        text_input(
            B.AUTHORITY,
            "Local authority referred to",
            max_length=120,
            multiline=False,
            optional=False,
        ),
        date_input(B.REFERRAL_DATE, "Date of referral", initial=today),
        text_input(
            B.REFERRAL_REFERENCE,
            "Their reference (optional)",
            max_length=80,
            multiline=False,
            optional=True,
        ),
    ]
    return modal(Callback.REFERRAL, f"Referral {reference}", blocks, metadata)


def no_referral_view(reference: str, metadata: str) -> dict[str, Any]:
    blocks: list[Block] = [
        section(
            f"Record why *{reference}* needs no local-authority referral. A second "
            "member of the safeguarding team must confirm it before the concern can close."
        ),
        radio_input(B.NO_REFERRAL_REASON, "Why is no referral needed?", NO_REFERRAL_REASONS),
        text_input(
            B.NO_REFERRAL_DETAIL,
            "Details",
            max_length=DETAIL_MAX,
            optional=True,
            hint="Already referred by the crew: the CAD / incident number. Duplicate: the "
            "other concern's reference (SG-…). Other: the reason. Encrypted.",
        ),
    ]
    return modal(Callback.NO_REFERRAL, "No referral needed", blocks, metadata)


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
        small_print(
            "If you disagree, cancel and press Record referral on the card. "
            "Your opening of this has been recorded."
        ),
    ]
    return modal(
        Callback.CONFIRM_NO_REFERRAL, "Confirm no referral", blocks, metadata, submit="Confirm"
    )


def referral_chased_view(reference: str, metadata: str, today: str) -> dict[str, Any]:
    blocks: list[Block] = [
        section(
            f"Record that the local authority has not acknowledged the referral on "
            f"*{reference}* and that you chased it. Press Referral acknowledged instead "
            "if the acknowledgement came."
        ),
        date_input(B.CHASED_ON, "Date you chased it", initial=today),
    ]
    return modal(Callback.REFERRAL_CHASED, "Acknowledgement chased", blocks, metadata)


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
