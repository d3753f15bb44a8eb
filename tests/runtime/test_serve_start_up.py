"""`speakup serve` checks Slack before it serves: a refusal stops it with one line naming the
setting and the fix; Slack being unreachable does not stop it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.demo.simulator.web_api import SlackWebApiEmulator
from tests.support.harness import GUARDIAN_CHANNEL, SAFEGUARDING_CHANNEL, seed_directory
from tests.support.speakup_process import (
    assert_one_line_error,
    free_port,
    run_speakup,
    serve_env,
    serving,
)

OPS = "C0OPS"


@contextmanager
def slack() -> Iterator[SlackWebApiEmulator]:
    with SlackWebApiEmulator() as emulator:
        seed_directory(emulator)
        yield emulator


def serve_once(env: dict[str, str], tmp_path: Path) -> str:
    """Run serve expecting it to refuse to start; its one line of error."""
    result = run_speakup("serve", "--http", "--port", str(free_port()), env=env, cwd=tmp_path)
    return assert_one_line_error(result)


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
def test_a_refused_bot_token_stops_serve_naming_it(
    database_url: str, tmp_path: Path, error: str
) -> None:
    with slack() as emulator:
        emulator.refuse_token(error)  # type: ignore[arg-type]
        line = serve_once(serve_env(database_url, emulator.base_url), tmp_path)
    assert "SLACK_BOT_TOKEN" in line and error in line and "OAuth & Permissions" in line


@pytest.mark.parametrize(
    ("setting", "channel", "state", "words"),
    [
        ("SPEAKUP_GUARDIAN_CHANNEL", GUARDIAN_CHANNEL, "not_found", "invite the app"),
        ("SPEAKUP_SAFEGUARDING_CHANNEL", SAFEGUARDING_CHANNEL, "archived", "is archived"),
        ("SPEAKUP_OPS_CHANNEL", OPS, "app_not_member", "/invite @Speak Up"),
    ],
)
def test_a_channel_the_app_cannot_post_in_stops_serve_naming_the_setting(
    database_url: str, tmp_path: Path, setting: str, channel: str, state: str, words: str
) -> None:
    with slack() as emulator:
        emulator.set_channel_state(channel, state)
        env = serve_env(database_url, emulator.base_url) | {"SPEAKUP_OPS_CHANNEL": OPS}
        line = serve_once(env, tmp_path)
    assert line.startswith(f"speakup: {setting}: ") and channel in line and words in line


def test_safeguarding_needs_its_channel_unless_it_is_off(database_url: str, tmp_path: Path) -> None:
    with slack() as emulator:
        env = serve_env(database_url, emulator.base_url)
        del env["SPEAKUP_SAFEGUARDING_CHANNEL"]
        line = serve_once(env, tmp_path)
        assert "SPEAKUP_SAFEGUARDING_CHANNEL" in line and "SPEAKUP_SAFEGUARDING=off" in line
        off = env | {"SPEAKUP_SAFEGUARDING": "off"}
        del off["SPEAKUP_SAFEGUARDING_TEAM"]
        port = free_port()
        with serving(off, port, tmp_path / "serve.log"):
            pass  # ready without a safeguarding channel or team


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("SPEAKUP_GUARDIANS", "", "is empty"),
        ("SPEAKUP_SAFEGUARDING_TEAM", "", "is empty"),
        ("SPEAKUP_SAFEGUARDING_TEAM", "S0EMPTY", "only empty user groups"),
        ("SPEAKUP_GUARDIANS", "S0NOSUCH", "no user group S0NOSUCH"),
    ],
)
def test_an_empty_team_stops_serve(
    database_url: str, tmp_path: Path, setting: str, value: str, words: str
) -> None:
    with slack() as emulator:
        emulator.add_usergroup("S0EMPTY", [])
        env = serve_env(database_url, emulator.base_url) | {setting: value}
        line = serve_once(env, tmp_path)
    assert setting in line and words in line


def test_slack_unreachable_at_start_serves_anyway_and_checks_again(
    database_url: str, tmp_path: Path
) -> None:
    logs = tmp_path / "serve.log"
    with slack() as emulator:
        emulator.go_offline("refuse")
        with serving(serve_env(database_url, emulator.base_url), free_port(), logs):
            assert "serve.slack_unreachable_at_start" in logs.read_text()
            emulator.come_online()
            assert emulator.wait_for(lambda: "serve.slack_checked" in logs.read_text(), 30)
            assert emulator.calls_to("conversations.info")
