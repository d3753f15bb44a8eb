"""Settings from the environment and an optional TOML file; the environment wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime.context import build_context
from bot.runtime.required_settings import require_slack
from bot.runtime.settings import (
    DEFAULT_DATABASE_URL,
    DEFAULT_SLACK_API_URL,
    SettingsError,
    load_settings,
    port_setting,
)
from storage.crypto import KeyRing
from tests.support.harness import KEY_A, KEY_B

# Each test sees only the settings it sets itself.
pytestmark = pytest.mark.usefixtures("clean_environment")


def write_config(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "speakup.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SPEAKUP_CONFIG", str(path))
    return path


def test_defaults_need_no_environment() -> None:
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL
    assert settings.speakup_timezone == "Europe/London"
    assert settings.speakup_guardians == []
    assert settings.speakup_ack_working_days == 2
    assert settings.speakup_small_number_threshold == 5


def test_environment_names_are_the_documented_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_API_URL": "https://slack-gov.com/api",
        "DATABASE_URL": "postgresql+psycopg://speakup@db/speakup",
        "SPEAKUP_ENCRYPTION_KEYS": KEY_A,
        "SPEAKUP_GUARDIAN_CHANNEL": "C0G",
        "SPEAKUP_SAFEGUARDING_CHANNEL": "C0S",
        "SPEAKUP_LEADERS_CHANNEL": "C0L",
        "SPEAKUP_TIMEZONE": "Europe/Belfast",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.slack_bot_token == "xoxb-1"
    assert settings.slack_signing_secret == "secret"
    assert settings.slack_app_token == "xapp-1"
    assert settings.slack_api_url == "https://slack-gov.com/api/"  # trailing slash added
    assert settings.database_url == env["DATABASE_URL"]
    assert settings.speakup_guardian_channel == "C0G"
    assert settings.speakup_safeguarding_channel == "C0S"
    assert settings.speakup_leaders_channel == "C0L"
    assert settings.speakup_timezone == "Europe/Belfast"


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("U01A,U02A", ["U01A", "U02A"]),
        (" U01A , S0TEAM ,, U03A ,", ["U01A", "S0TEAM", "U03A"]),
        ("", []),
        (" , ", []),
        ("U01A", ["U01A"]),
    ],
)
def test_comma_lists_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str, parsed: list[str]
) -> None:
    for name in ("SPEAKUP_GUARDIANS", "SPEAKUP_SAFEGUARDING_TEAM", "SPEAKUP_LEADERS"):
        monkeypatch.setenv(name, raw)
    monkeypatch.setenv("SPEAKUP_SITES", "Northtown station, Southgate hub")
    settings = load_settings()
    assert settings.speakup_guardians == parsed
    assert settings.speakup_safeguarding_team == parsed
    assert settings.speakup_leaders == parsed
    assert settings.speakup_sites == ["Northtown station", "Southgate hub"]


def test_toml_file_supplies_settings_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(
        tmp_path,
        f"""
slack_bot_token = "xoxb-from-file"
slack_signing_secret = "file-secret"
speakup_encryption_keys = "{KEY_A}"
speakup_guardian_channel = "C0FILE"
speakup_guardians = ["U01A", "U02A"]
speakup_leaders = "U07A, U08A"
speakup_ack_working_days = 3
speakup_outbox_poll_seconds = 0.5
""",
        monkeypatch,
    )
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("SPEAKUP_GUARDIANS", "U09A")
    settings = load_settings()
    assert settings.slack_bot_token == "xoxb-from-env"
    assert settings.speakup_guardians == ["U09A"]
    assert settings.slack_signing_secret == "file-secret"
    assert settings.speakup_guardian_channel == "C0FILE"
    assert settings.speakup_leaders == ["U07A", "U08A"]
    assert settings.speakup_ack_working_days == 3
    assert settings.speakup_outbox_poll_seconds == 0.5
    assert settings.key_ring().newest_id == KeyRing.from_config(KEY_A).newest_id


def test_explicit_overrides_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings(database_url="sqlite:///given.db").database_url == "sqlite:///given.db"


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        (None, "SPEAKUP_CONFIG"),
        ("slack_bot_token = \n", "SPEAKUP_CONFIG"),
        ('speakup_update_interval_days = "often"\n', "SPEAKUP_UPDATE_INTERVAL_DAYS"),
    ],
    ids=["missing_file", "malformed_toml", "invalid_value"],
)
def test_a_config_file_that_cannot_be_used_is_a_settings_error_naming_what_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str | None, named: str
) -> None:
    if toml is None:
        monkeypatch.setenv("SPEAKUP_CONFIG", str(tmp_path / "nope.toml"))
    else:
        write_config(tmp_path, toml, monkeypatch)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_unknown_time_zone_is_refused_at_start() -> None:
    # Accepted today, it would only fail when the first concern computes its deadline.
    with pytest.raises(SettingsError, match="SPEAKUP_TIMEZONE"):
        load_settings(speakup_timezone="Mars/Olympus_Mons")


def test_key_ring_reads_rotation_order() -> None:
    ring = load_settings(speakup_encryption_keys=f"{KEY_B}, {KEY_A}").key_ring()
    assert ring.key_ids == [
        KeyRing.from_config(KEY_B).newest_id,
        KeyRing.from_config(KEY_A).newest_id,
    ]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [(None, "is not set"), ("", "is not set"), ("AAAA", "key 1 is 3 bytes"), ("%%%", "key 1")],
)
def test_key_ring_errors_name_the_setting(keys: str | None, expected: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(speakup_encryption_keys=keys).key_ring()
    message = str(raised.value)
    assert message.startswith("SPEAKUP_ENCRYPTION_KEYS")
    assert expected in message
    if keys:
        assert keys not in message


def slack_ready(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "slack_bot_token": "xoxb-1",
        "slack_signing_secret": "secret",
        "speakup_guardian_channel": "C0G",
    }
    values.update(changes)
    return values


@pytest.mark.parametrize(
    ("changes", "socket_mode", "named"),
    [
        ({"slack_bot_token": None}, False, "SLACK_BOT_TOKEN"),
        ({"slack_signing_secret": None}, False, "SLACK_SIGNING_SECRET"),
        ({"speakup_guardian_channel": None}, False, "SPEAKUP_GUARDIAN_CHANNEL"),
        ({"slack_app_token": "xoxb-wrong-kind"}, True, "SLACK_APP_TOKEN"),
    ],
)
def test_require_slack_names_the_first_missing_setting(
    changes: dict[str, object], socket_mode: bool, named: str
) -> None:
    settings = load_settings(**slack_ready(**changes))
    with pytest.raises(SettingsError) as raised:
        require_slack(settings, socket_mode=socket_mode)
    assert str(raised.value).startswith(named)


def test_complete_settings_pass_both_modes() -> None:
    require_slack(load_settings(**slack_ready()), socket_mode=False)
    socket = load_settings(**slack_ready(slack_signing_secret=None, slack_app_token="xapp-1-A"))
    require_slack(socket, socket_mode=True)


def test_bad_routes_are_settings_errors() -> None:
    settings = load_settings(
        **slack_ready(
            speakup_encryption_keys=KEY_A,
            speakup_safeguarding_channel="C0S",
            speakup_routes="element:no_such_thing=C0X",
        )
    )
    with pytest.raises(SettingsError, match="SPEAKUP_ROUTES"):
        build_context(settings)


# -- Slack ids, not names -------------------------------------------------------------------

CHANNEL_SETTINGS = [
    "SPEAKUP_GUARDIAN_CHANNEL",
    "SPEAKUP_SAFEGUARDING_CHANNEL",
    "SPEAKUP_LEADERS_CHANNEL",
    "SPEAKUP_OPS_CHANNEL",
    "SPEAKUP_LEARNING_CHANNEL",
]
MEMBER_SETTINGS = [
    "SPEAKUP_GUARDIANS",
    "SPEAKUP_SAFEGUARDING_TEAM",
    "SPEAKUP_LEADERS",
    "SPEAKUP_GUARDIAN_LEADS",
    "SPEAKUP_SAFEGUARDING_LEADS",
    "SPEAKUP_EXECUTIVE_LEADS",
]


@pytest.mark.parametrize("name", CHANNEL_SETTINGS)
def test_channel_settings_take_channel_ids(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, " C0123ABCD ")
    assert getattr(load_settings(), name.lower()) == "C0123ABCD"
    monkeypatch.setenv(name, "G0OLDPRIVATE")
    assert getattr(load_settings(), name.lower()) == "G0OLDPRIVATE"


@pytest.mark.parametrize("name", CHANNEL_SETTINGS)
@pytest.mark.parametrize(
    "value", ["#ftsu-guardians", "safeguarding team", "c0123abcd", "U0PERSON", "C", "D0DIRECT"]
)
def test_channel_names_are_refused_with_where_to_find_the_id(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"{name} is invalid: {value!r} is not a channel id")
    assert "channel details" in message and "\n" not in message


@pytest.mark.parametrize("name", MEMBER_SETTINGS)
def test_team_settings_take_member_and_group_ids(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "U012AB3CD, W0GRIDUSER,S0TEAM")
    assert getattr(load_settings(), name.lower()) == ["U012AB3CD", "W0GRIDUSER", "S0TEAM"]


@pytest.mark.parametrize("name", MEMBER_SETTINGS)
@pytest.mark.parametrize("value", ["Jane Smith", "@jane", "#ftsu-guardians", "C0CHANNEL", "u0abc"])
def test_names_in_team_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, f"U0FINE,{value}")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"{name} is invalid: {value!r} is not a Slack member")
    assert "member ID" in message


def test_team_settings_from_a_toml_array_are_checked_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, 'speakup_guardian_leads = ["U0LEAD", "Gita"]\n', monkeypatch)
    with pytest.raises(SettingsError, match="SPEAKUP_GUARDIAN_LEADS is invalid: 'Gita'"):
        load_settings()


def test_a_route_to_a_channel_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPEAKUP_ROUTES", "site:Northtown=C0NORTH, site:Southgate=#south")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith("SPEAKUP_ROUTES is invalid: 'site:Southgate=#south'")
    assert "channel details" in str(raised.value)


def test_the_optional_channels_and_leads_default_to_unset() -> None:
    settings = load_settings()
    assert settings.speakup_ops_channel is None
    assert settings.speakup_learning_channel is None
    assert settings.speakup_guardian_leads == []
    assert settings.speakup_safeguarding_leads == []
    assert settings.speakup_executive_leads == []


# -- empty means unset, levels in any case, ports ----------------------------------------------


@pytest.mark.parametrize("empty", ["", "  "])
def test_every_setting_left_empty_keeps_its_default(
    monkeypatch: pytest.MonkeyPatch, empty: str
) -> None:
    defaults = load_settings().model_dump()
    for name in defaults:
        monkeypatch.setenv(name.upper(), empty)
    assert load_settings().model_dump() == defaults


def test_empty_values_in_the_config_file_keep_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, 'database_url = ""\nspeakup_guardian_channel = ""\n', monkeypatch)
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.speakup_guardian_channel is None


@pytest.mark.parametrize(
    ("raw", "level"),
    [("debug", "DEBUG"), ("Info", "INFO"), (" warning ", "WARNING"), ("warn", "WARNING")],
)
def test_log_level_in_any_case(monkeypatch: pytest.MonkeyPatch, raw: str, level: str) -> None:
    monkeypatch.setenv("SPEAKUP_LOG_LEVEL", raw)
    assert load_settings().speakup_log_level == level


@pytest.mark.parametrize("raw", ["loud", "10", "trace"])
def test_unknown_log_level_is_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("SPEAKUP_LOG_LEVEL", raw)
    with pytest.raises(SettingsError, match=f"SPEAKUP_LOG_LEVEL is invalid: '{raw}'"):
        load_settings()


@pytest.mark.parametrize(("raw", "port"), [(None, 3000), ("", 3000), (" 8080 ", 8080), ("1", 1)])
def test_port_setting(raw: str | None, port: int) -> None:
    assert port_setting(raw) == port


@pytest.mark.parametrize("raw", ["abc", "0", "65536", "-1", "80.5", "30 00"])
def test_bad_port_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match=r"^PORT is invalid: .*1 to 65535"):
        port_setting(raw)


def test_detriment_checkin_weeks_from_the_environment_or_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().speakup_detriment_checkin_weeks == 6
    write_config(tmp_path, "speakup_detriment_checkin_weeks = 8\n", monkeypatch)
    assert load_settings().speakup_detriment_checkin_weeks == 8
    monkeypatch.setenv("SPEAKUP_DETRIMENT_CHECKIN_WEEKS", "0")  # off
    assert load_settings().speakup_detriment_checkin_weeks == 0
    monkeypatch.setenv("SPEAKUP_DETRIMENT_CHECKIN_WEEKS", "-1")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith("SPEAKUP_DETRIMENT_CHECKIN_WEEKS is invalid")
