"""The safeguarding clock's and the escalation ladder's settings reach the policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.escalation import Track
from bot.runtime.context import policy_from
from bot.runtime.settings import SettingsError, load_settings

# Each test sees only the settings it sets itself.
pytestmark = pytest.mark.usefixtures("clean_environment")


def test_defaults_follow_the_specification() -> None:
    policy = policy_from(load_settings())
    scales = policy.timescales
    assert (scales.urgent_safeguarding_ack_hours, scales.urgent_safeguarding_referral_hours) == (
        1,
        4,
    )
    assert (scales.safeguarding_ack_hours, scales.safeguarding_referral_hours) == (24, 24)
    assert scales.referral_ack_working_days == 1
    assert policy.ladder.reminder_percent == 75
    graces = policy.ladder.graces
    assert (graces[Track.SPEAK_UP].leads, graces[Track.SPEAK_UP].executives) == (2, 5)
    assert graces[Track.SPEAK_UP].working_days
    assert (
        graces[Track.URGENT_SAFEGUARDING].leads,
        graces[Track.URGENT_SAFEGUARDING].executives,
    ) == (1, 4)
    assert (graces[Track.SAFEGUARDING].leads, graces[Track.SAFEGUARDING].executives) == (8, 24)
    assert policy.executive_leads == ()


def test_leads_and_graces_from_the_environment_and_toml(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "speakup.toml"
    config.write_text(
        'speakup_executive_leads = ["U0EXEC", "S0BOARD"]\n'
        "speakup_urgent_safeguarding_referral_hours = 3\n"
        "speakup_safeguarding_leads_grace_hours = 6\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SPEAKUP_CONFIG", str(config))
    monkeypatch.setenv("SPEAKUP_SAFEGUARDING_LEADS", "U0LEAD1, S0SGLEADS")
    monkeypatch.setenv("SPEAKUP_GUARDIAN_LEADS", "U0GLEAD")
    monkeypatch.setenv("SPEAKUP_ESCALATION_REMINDER_PERCENT", "50")
    policy = policy_from(load_settings())
    assert policy.safeguarding_leads == ("U0LEAD1", "S0SGLEADS")
    assert policy.guardian_leads == ("U0GLEAD",)
    assert policy.executive_leads == ("U0EXEC", "S0BOARD")
    assert policy.timescales.urgent_safeguarding_referral_hours == 3
    assert policy.ladder.graces[Track.SAFEGUARDING].leads == 6
    assert policy.ladder.reminder_percent == 50


def test_executives_must_be_told_after_the_leads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPEAKUP_URGENT_SAFEGUARDING_LEADS_GRACE_HOURS", "4")
    monkeypatch.setenv("SPEAKUP_URGENT_SAFEGUARDING_EXECUTIVE_GRACE_HOURS", "4")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value) == (
        "SPEAKUP_URGENT_SAFEGUARDING_EXECUTIVE_GRACE_HOURS (4) must be longer than "
        "SPEAKUP_URGENT_SAFEGUARDING_LEADS_GRACE_HOURS (4): executives are told after the leads"
    )
