"""Settings from the environment and an optional TOML file; the environment wins."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.runtime.context import build_context
from bot.runtime.settings import (
    DEFAULT_DATABASE_URL,
    DEFAULT_SLACK_API_URL,
    SettingsError,
    load_settings,
)
from storage.crypto import KeyRing
from tests.support.harness import KEY_A, KEY_B

OUR_PREFIXES = ("SLACK_", "SPEAKUP_", "DATABASE_URL")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Each test sees only the settings it sets itself."""
    for name in list(os.environ):
        if name.upper().startswith(OUR_PREFIXES):
            monkeypatch.delenv(name)
    return monkeypatch


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
        ("U1,U2", ["U1", "U2"]),
        (" U1 , S0TEAM ,, U3 ,", ["U1", "S0TEAM", "U3"]),
        ("", []),
        (" , ", []),
        ("U1", ["U1"]),
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
speakup_guardians = ["U1", "U2"]
speakup_leaders = "U7, U8"
speakup_ack_working_days = 3
speakup_outbox_poll_seconds = 0.5
""",
        monkeypatch,
    )
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("SPEAKUP_GUARDIANS", "U9")
    settings = load_settings()
    assert settings.slack_bot_token == "xoxb-from-env"
    assert settings.speakup_guardians == ["U9"]
    assert settings.slack_signing_secret == "file-secret"
    assert settings.speakup_guardian_channel == "C0FILE"
    assert settings.speakup_leaders == ["U7", "U8"]
    assert settings.speakup_ack_working_days == 3
    assert settings.speakup_outbox_poll_seconds == 0.5
    assert settings.key_ring().newest_id == KeyRing.from_config(KEY_A).newest_id


def test_explicit_overrides_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings(database_url="sqlite:///given.db").database_url == "sqlite:///given.db"


def test_missing_config_file_is_a_settings_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPEAKUP_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(SettingsError, match="SPEAKUP_CONFIG"):
        load_settings()


def test_malformed_toml_is_a_settings_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, "slack_bot_token = \n", monkeypatch)
    with pytest.raises(SettingsError, match="SPEAKUP_CONFIG"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SPEAKUP_ACK_WORKING_DAYS", "0"),
        ("SPEAKUP_ACK_WORKING_DAYS", "two"),
        ("SPEAKUP_SMALL_NUMBER_THRESHOLD", "1"),
        ("SPEAKUP_OUTBOX_POLL_SECONDS", "-1"),
        ("SPEAKUP_OUTBOX_BACKOFF_CAP", "99999"),
    ],
)
def test_invalid_values_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith(f"{name} is invalid")
    assert "\n" not in str(raised.value)


def test_invalid_value_in_toml_names_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, 'speakup_update_interval_days = "often"\n', monkeypatch)
    with pytest.raises(SettingsError, match="SPEAKUP_UPDATE_INTERVAL_DAYS"):
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
        settings.require_slack(socket_mode=socket_mode)
    assert str(raised.value).startswith(named)


def test_complete_settings_pass_both_modes() -> None:
    load_settings(**slack_ready()).require_slack(socket_mode=False)
    socket = load_settings(**slack_ready(slack_signing_secret=None, slack_app_token="xapp-1-A"))
    socket.require_slack(socket_mode=True)


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
