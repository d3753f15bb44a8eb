"""A bad value in any setting stops the service at start with one line that names the setting
and says what is wrong with the value."""

from __future__ import annotations

import pytest

from bot.runtime.settings import SettingsError, load_settings

# Each test sees only the settings it sets itself.
pytestmark = pytest.mark.usefixtures("clean_environment")

AT_LEAST_1 = "greater than or equal to 1"
NOT_A_NUMBER = "valid integer"

BAD_VALUES = [
    # The working-day clock, reporting and the outbox.
    ("SPEAKUP_ACK_WORKING_DAYS", "0", AT_LEAST_1),
    ("SPEAKUP_ACK_WORKING_DAYS", "two", NOT_A_NUMBER),
    ("SPEAKUP_SMALL_NUMBER_THRESHOLD", "1", "greater than or equal to 3"),
    ("SPEAKUP_OUTBOX_POLL_SECONDS", "-1", "greater than 0"),
    ("SPEAKUP_OUTBOX_BACKOFF_CAP", "99999", "less than or equal to 3600"),
    # The safeguarding clock and the escalation ladder.
    ("SPEAKUP_URGENT_SAFEGUARDING_ACK_HOURS", "0", AT_LEAST_1),
    ("SPEAKUP_ESCALATION_REMINDER_PERCENT", "100", "less than or equal to 99"),
    ("SPEAKUP_SAFEGUARDING_REFERRAL_HOURS", "soon", NOT_A_NUMBER),
    # Digests, delivery alarms, job leases and whether safeguarding is on.
    ("SPEAKUP_GUARDIAN_DIGEST_TIME", "25:00", "hour value is outside expected range"),
    ("SPEAKUP_SAFEGUARDING_DIGEST_TIME", "eight", "valid time format"),
    ("SPEAKUP_SAFEGUARDING", "maybe", "'on' or 'off'"),
    ("SPEAKUP_ALARM_MINUTES", "0", AT_LEAST_1),
    ("SPEAKUP_JOB_LEASE_SECONDS", "0", AT_LEAST_1),
    # Retention.
    ("SPEAKUP_RETENTION_SPEAK_UP_YEARS", "0", AT_LEAST_1),
    ("SPEAKUP_RETENTION_SAFEGUARDING_YEARS", "ten", NOT_A_NUMBER),
    ("SPEAKUP_RETENTION_BY_OUTCOME", "withdrawn=6", "kind:outcome=years"),
    ("SPEAKUP_RETENTION_BY_OUTCOME", "speak_up:shredded=6", "the outcome must be one of"),
    ("SPEAKUP_RETENTION_BY_OUTCOME", "gossip:withdrawn=6", "the kind must be one of"),
    ("SPEAKUP_RETENTION_BY_OUTCOME", "speak_up:withdrawn=0", "years must be 1 to 150"),
]


@pytest.mark.parametrize(("name", "value", "said"), BAD_VALUES)
def test_a_bad_value_is_one_line_naming_its_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"{name} is invalid") and said in message
    assert "\n" not in message
