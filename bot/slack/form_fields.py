"""The fields the raise form and the guardians' record form share, asked the same way in
both: what a concern is about, site, detriment, staff group and how someone works here."""

from __future__ import annotations

import structlog
from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextObject,
    StaticMultiSelectElement,
)

from bot.domain.taxonomy import (
    DESCRIPTION_MAX,
    DETRIMENT_ANSWERS,
    ELEMENTS,
    PROFESSIONAL_GROUPS,
    WORKER_TYPES,
)
from bot.slack.form_blocks import options_of, radio_input, select_input, text_input
from bot.slack.ids import Block as B

log = structlog.stdlib.get_logger(__name__)

# Slack's own limits on what a select may offer.
OPTION_TEXT_MAX = 75
OPTIONS_MAX = 100
CHECKBOXES_MAX = 10

STATISTICS_ONLY = "Only used in anonymous statistics."

# Plain words under each recording element (Slack caps option descriptions at 75 characters).
_ELEMENT_HELP = {
    "patient_safety": "Care that could harm patients or falls short of what it should be.",
    "bullying_harassment": "Being picked on, intimidated, humiliated or harassed at work.",
    "attitudes_behaviours": "Discrimination, rudeness or conduct that is not acceptable here.",
    "worker_safety": "Your or colleagues' health, safety, workload or wellbeing.",
    "other": "Anything else that gets in the way of good care or good work.",
}


def offered_sites(sites: list[str]) -> list[str]:
    """The configured sites a select can offer: each fits an option, no repeats, at most 100."""
    usable = [s for s in dict.fromkeys(site.strip() for site in sites) if s]
    fitting = [s for s in usable if len(s) <= OPTION_TEXT_MAX]
    if len(fitting) != len(usable):
        log.warning("raise_form.sites_too_long", dropped=len(usable) - len(fitting))
    return fitting[:OPTIONS_MAX]


def elements_element() -> CheckboxesElement | StaticMultiSelectElement:
    """Checkboxes, so each element can carry its plain-words description; a multi-select
    if the list ever outgrows what checkboxes allow."""
    if len(ELEMENTS) <= CHECKBOXES_MAX:
        return CheckboxesElement(
            action_id=B.ELEMENTS,
            options=[
                Option(value=value, text=label, description=_ELEMENT_HELP.get(value))
                for value, label in ELEMENTS.items()
            ],
        )
    return StaticMultiSelectElement(
        action_id=B.ELEMENTS, placeholder="Choose one or more", options=options_of(ELEMENTS)
    )


def elements_block() -> InputBlock:
    return InputBlock(
        block_id=B.ELEMENTS,
        label="What is it about?",
        hint=PlainTextObject(text="Choose all that apply."),
        element=elements_element(),
    )


def description_block(label: str, hint: str = "") -> InputBlock:
    """What happened, in the words of whoever raised it: encrypted once sent."""
    return text_input(B.DESCRIPTION, label, max_length=DESCRIPTION_MAX, optional=False, hint=hint)


def site_blocks(sites: list[str]) -> list[InputBlock]:
    """The site select, only when there are sites it can offer."""
    offered = offered_sites(sites)
    if not offered:
        return []
    return [
        select_input(
            B.SITE,
            "Site or directorate (optional)",
            {site: site for site in offered},
            optional=True,
        )
    ]


def detriment_block(label: str, hint: str = "") -> InputBlock:
    return radio_input(B.DETRIMENT, label, DETRIMENT_ANSWERS, optional=True, hint=hint)


def profession_block(label: str, hint: str = "") -> InputBlock:
    return select_input(B.PROFESSIONAL_GROUP, label, PROFESSIONAL_GROUPS, optional=True, hint=hint)


def worker_type_block(label: str = "How you work here (optional)") -> InputBlock:
    return select_input(B.WORKER_TYPE, label, WORKER_TYPES, optional=True, hint=STATISTICS_ONLY)
