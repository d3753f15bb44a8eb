"""Routing: safeguarding always to its own channel; speak-up rules never into it."""

from __future__ import annotations

import pytest

from bot.domain.routing import Router, RoutingError
from bot.domain.taxonomy import ConcernKind


def router(*rules: str) -> Router:
    return Router.from_settings("CGUARD", "CSAFE", list(rules))


def test_safeguarding_goes_to_the_safeguarding_channel_whatever_the_rules() -> None:
    r = router("element:patient_safety=CPS", "site:North=CNORTH")
    assert r.channel_for(ConcernKind.SAFEGUARDING, ("patient_safety",), "North") == "CSAFE"


def test_the_first_matching_rule_wins_and_the_guardians_get_the_rest() -> None:
    r = router("element:patient_safety=CPS", "site:North=CNORTH")
    assert r.channel_for(ConcernKind.SPEAK_UP, ("patient_safety",), "North") == "CPS"
    assert r.channel_for(ConcernKind.SPEAK_UP, ("other",), "North") == "CNORTH"
    assert r.channel_for(ConcernKind.SPEAK_UP, ("other",), None) == "CGUARD"


@pytest.mark.parametrize(
    "rule",
    ["element:patient_safety=CSAFE", "nonsense", "element:unknown=CX", "colour:red=CX"],
)
def test_bad_rules_are_refused_with_the_setting_named(rule: str) -> None:
    with pytest.raises(RoutingError, match="SPEAKUP_ROUTES"):
        router(rule)


def test_the_two_team_channels_must_differ() -> None:
    with pytest.raises(RoutingError, match="must differ"):
        Router.from_settings("CSAME", "CSAME", [])


def test_no_safeguarding_channel_means_no_safeguarding_route() -> None:
    r = Router.from_settings("CGUARD", None, [])
    with pytest.raises(RoutingError):
        r.channel_for(ConcernKind.SAFEGUARDING, (), None)
