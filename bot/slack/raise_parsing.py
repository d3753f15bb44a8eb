"""Reading a submitted raise form: Slack's view state in, a RaiseRequest or field errors out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict

from bot.domain.taxonomy import (
    AT_RISK,
    DESCRIPTION_MAX,
    DETRIMENT_ANSWERS,
    ELEMENTS,
    MEDIUM_TEXT_MAX,
    PROFESSIONAL_GROUPS,
    SHORT_TEXT_MAX,
    WORKER_TYPES,
    ConcernKind,
    IdentityMode,
)
from bot.domain.text import clean_text
from bot.flows.raising import RaiseRequest
from bot.slack.form_fields import offered_sites
from bot.slack.ids import Block as B
from bot.slack.raise_form import INCIDENT_NUMBER_MAX


@dataclass(frozen=True)
class FormResult:
    request: RaiseRequest | None
    errors: dict[str, str]


def state_values(view: Any) -> dict[str, Any]:
    """A submitted view's `state.values`, or {} when the payload is not shaped as Slack's."""
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def _value(state: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = state.get(block_id)
    if not isinstance(block, dict):
        return {}
    element = block.get(block_id)
    return element if isinstance(element, dict) else {}


class _Parser:
    """Reads one submitted form, collecting a plain-words error per block."""

    def __init__(self, state: dict[str, Any], today: date) -> None:
        self.state = state
        self.today = today
        self.errors: dict[str, str] = {}

    def text(self, block_id: str, *, limit: int, required: bool, label: str) -> str | None:
        value, error = clean_text(
            _value(self.state, block_id).get("value"), limit=limit, required=required, label=label
        )
        if error:
            self.errors[block_id] = error
        return value

    def choice(
        self, block_id: str, allowed: set[str] | dict[str, str], *, missing: str = ""
    ) -> str | None:
        """The chosen option; `missing` makes it required. An option we never offered is
        an error, not a silent blank."""
        option = _value(self.state, block_id).get("selected_option")
        if option is None:
            if missing:
                self.errors[block_id] = missing
            return None
        value = option.get("value") if isinstance(option, dict) else None
        if isinstance(value, str) and value in allowed:
            return value
        self.errors[block_id] = "Please choose one of the options shown."
        return None

    def choices(self, block_id: str, allowed: dict[str, str], *, missing: str) -> tuple[str, ...]:
        raw = _value(self.state, block_id).get("selected_options")
        values = (
            [o.get("value") if isinstance(o, dict) else None for o in raw]
            if isinstance(raw, list)
            else [None]
        )
        chosen = tuple(dict.fromkeys(v for v in values if isinstance(v, str) and v in allowed))
        if not chosen or len(chosen) != len(values):
            self.errors[block_id] = missing
        return chosen

    def date(self, block_id: str) -> str | None:
        value = _value(self.state, block_id).get("selected_date")
        if value is None:
            return None
        try:
            day = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None or day.year < 1900:
            self.errors[block_id] = "Please pick a date from the calendar."
            return None
        if day > self.today:  # "today" where the trust is
            self.errors[block_id] = "That date is in the future."
            return None
        return day.isoformat()


def parse_submission(
    kind: ConcernKind,
    state: dict[str, Any],
    *,
    sites: list[str],
    today: date,
) -> FormResult:
    """Turn a raise view's state values into a RaiseRequest, or field errors by block id."""
    form = _Parser(state if isinstance(state, dict) else {}, today)
    description = form.text(
        B.DESCRIPTION, limit=DESCRIPTION_MAX, required=True, label="what happened"
    )
    identity = form.choice(
        B.IDENTITY,
        {mode.value for mode in IdentityMode},
        missing="Please choose how identifiable you want to be.",
    )
    group = form.choice(B.PROFESSIONAL_GROUP, PROFESSIONAL_GROUPS)
    worker_type = form.choice(B.WORKER_TYPE, WORKER_TYPES)

    specific = (
        _speak_up_fields(form, sites, worker_type)
        if kind is ConcernKind.SPEAK_UP
        else _safeguarding_fields(form)
    )
    if form.errors or description is None or identity is None:
        return FormResult(None, form.errors)
    request = RaiseRequest(
        kind=kind,
        identity_mode=IdentityMode(identity),
        description=description,
        professional_group=group,
        **specific,
    )
    return FormResult(request, {})


class _SpeakUpFields(TypedDict):
    elements: tuple[str, ...]
    location: str | None
    happened_on: str | None
    raised_before: str | None
    hoped_outcome: str | None
    detriment: str | None
    worker_type: str | None
    site: str | None


class _SafeguardingFields(TypedDict):
    location: str | None
    at_risk: str | None  # required: missing, it is a field error and nothing is built
    immediate_danger: bool
    incident_number: str | None


def _speak_up_fields(form: _Parser, sites: list[str], worker_type: str | None) -> _SpeakUpFields:
    elements = form.choices(
        B.ELEMENTS, ELEMENTS, missing="Please choose at least one option from the list."
    )
    location = form.text(B.LOCATION, limit=SHORT_TEXT_MAX, required=False, label="where")
    happened_on = form.date(B.HAPPENED_ON)
    raised_before = form.text(
        B.RAISED_BEFORE, limit=SHORT_TEXT_MAX, required=False, label="who you told"
    )
    hoped = form.text(B.HOPED_OUTCOME, limit=MEDIUM_TEXT_MAX, required=False, label="the outcome")
    return _SpeakUpFields(
        elements=elements,
        location=location,
        happened_on=happened_on,
        raised_before=raised_before,
        hoped_outcome=hoped,
        detriment=form.choice(B.DETRIMENT, DETRIMENT_ANSWERS),
        worker_type=worker_type,
        site=form.choice(B.SITE, set(offered_sites(sites))),
    )


def _safeguarding_fields(form: _Parser) -> _SafeguardingFields:
    at_risk = form.choice(
        B.AT_RISK,
        AT_RISK,
        missing="Please tell us who is at risk (choose 'Not sure' if you don't know).",
    )
    danger = form.choice(
        B.IMMEDIATE_DANGER,
        {"yes", "no"},
        missing="Please tell us whether anyone is in immediate danger.",
    )
    location = form.text(B.LOCATION, limit=SHORT_TEXT_MAX, required=True, label="where")
    incident = form.text(
        B.INCIDENT_NUMBER, limit=INCIDENT_NUMBER_MAX, required=False, label="the incident number"
    )
    return _SafeguardingFields(
        location=location,
        at_risk=at_risk,
        immediate_danger=danger == "yes",
        incident_number=incident,
    )
