"""The guardians' form for recording a concern raised outside the app (in person, by phone,
email or letter), and reading it back: every case is recorded, so every case is counted."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.taxonomy import RECORDED_VIA, ConcernKind, IdentityMode
from bot.flows.raising import RaiseRequest
from bot.slack import form_fields as fields
from bot.slack.form_blocks import date_input, modal, radio_input, select_input
from bot.slack.ids import Block as B
from bot.slack.ids import Callback
from bot.slack.raise_parsing import FormResult, parse_submission

# A recorded concern is open, confidential or anonymous; nobody can follow an anonymous one
# up through the app, so it is kept as "anonymous, no contact" (and counted as anonymous).
RECORDED_IDENTITIES = {
    IdentityMode.OPEN.value: "Open: they are happy to be named to those who need to know",
    IdentityMode.CONFIDENTIAL.value: "Confidential: you know who they are; not shared",
    IdentityMode.ANONYMOUS_NO_CONTACT.value: "Anonymous: nobody knows who raised it",
}
NOT_A_GUARDIAN = "Only the guardians can record a concern."


def record_form(*, sites: list[str], metadata: str, today: date) -> dict[str, Any]:
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="Record a concern someone raised with you outside the app, so it is "
                "tracked, given deadlines and counted like every other. Write what they "
                "told you; it is encrypted as soon as you send it."
            )
        ),
        select_input(B.RAISED_VIA, "How was it raised?", RECORDED_VIA),
        date_input(B.RAISED_ON, "When was it raised with you?", initial=today.isoformat()),
        fields.elements_block(),
        fields.description_block("What did they tell you?"),
        radio_input(
            B.RECORDED_IDENTITY, "How identifiable did they choose to be?", RECORDED_IDENTITIES
        ),
        InputBlock(
            block_id=B.REPORTER_USER,
            label="Their Slack account (optional)",
            optional=True,
            hint=PlainTextObject(
                text="Open or confidential only: they then get updates from the app by DM."
            ),
            element=UserSelectElement(action_id=B.REPORTER_USER),
        ),
        DividerBlock(),
    ]
    blocks += fields.site_blocks(sites)
    blocks += [
        fields.detriment_block("Do they say they were treated worse? (optional)"),
        fields.profession_block("Their staff group (optional)"),
        fields.worker_type_block("How they work here (optional)"),
    ]
    return modal(Callback.RECORD_CONCERN, "Record a concern", blocks, metadata, submit="Record")


@dataclass(frozen=True)
class RecordedForm:
    request: RaiseRequest | None
    reporter_user: str | None
    errors: dict[str, str]


def _selected(state: dict[str, Any], block: str, key: str) -> Any:
    field = state.get(block, {}).get(block, {}) if isinstance(state.get(block), dict) else {}
    return field.get(key) if isinstance(field, dict) else None


def parse_record(
    state: dict[str, Any], *, sites: list[str], today: date, timezone: str, recorded_by: str
) -> RecordedForm:
    """Read a submitted recording form, reusing the speak-up form's rules for shared fields."""
    errors: dict[str, str] = {}
    identity = _selected(state, B.RECORDED_IDENTITY, "selected_option")
    identity_value = identity.get("value") if isinstance(identity, dict) else None
    if identity_value not in RECORDED_IDENTITIES:
        errors[B.RECORDED_IDENTITY] = "Choose how identifiable they chose to be."
        identity_value = IdentityMode.CONFIDENTIAL.value
    shared = {**state, B.IDENTITY: {B.IDENTITY: {"selected_option": {"value": identity_value}}}}
    parsed: FormResult = parse_submission(ConcernKind.SPEAK_UP, shared, sites=sites, today=today)
    errors.update({k: v for k, v in parsed.errors.items() if k != B.IDENTITY})
    via = _selected(state, B.RAISED_VIA, "selected_option")
    via_value = via.get("value") if isinstance(via, dict) else None
    if via_value not in RECORDED_VIA:
        errors[B.RAISED_VIA] = "Choose how it was raised."
    raised_on = _raised_on(_selected(state, B.RAISED_ON, "selected_date"), today, errors)
    user = _selected(state, B.REPORTER_USER, "selected_user")
    reporter_user = user if isinstance(user, str) and user else None
    if reporter_user and identity_value == IdentityMode.ANONYMOUS_NO_CONTACT.value:
        errors[B.REPORTER_USER] = "An anonymous concern cannot be linked to anyone's account."
    if errors or parsed.request is None or raised_on is None:
        return RecordedForm(None, None, errors)
    local_noon = datetime.combine(raised_on, time(12), ZoneInfo(timezone)).astimezone(UTC)
    request = replace(
        parsed.request,
        raised_via=str(via_value),
        recorded_by=recorded_by,
        raised_at=None if raised_on == today else local_noon,
    )
    return RecordedForm(request, reporter_user, {})


def _raised_on(value: Any, today: date, errors: dict[str, str]) -> date | None:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        errors[B.RAISED_ON] = "Pick the date it was raised with you."
    elif day > today:
        errors[B.RAISED_ON] = "That date is in the future."
    return day if B.RAISED_ON not in errors else None


def recorded_view(reference: str) -> dict[str, Any]:
    text = (
        f"Recorded as *{reference}*. Its card is in the guardians' channel, with deadlines "
        "like every other concern."
    )
    view = View(
        type="modal",
        title="Concern recorded",
        close="Done",
        blocks=[SectionBlock(text=MarkdownTextObject(text=text))],
    )
    return view.to_dict()
