"""Retention settings: defaults, environment and TOML, the shred key dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.retention import RetentionRules
from bot.jobs.scheduler import all_jobs
from bot.runtime.context import policy_from
from bot.runtime.settings import load_settings

# Each test sees only the settings it sets itself.
pytestmark = pytest.mark.usefixtures("clean_environment")


def test_defaults_keep_speak_up_ten_years_and_destroy_no_safeguarding() -> None:
    policy = policy_from(load_settings())
    assert policy.retention == RetentionRules(
        timezone="Europe/London", speak_up_years=10, safeguarding_years=None, by_outcome=()
    )
    assert "retention" in [job.name for job in all_jobs(policy)]


def test_environment_and_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "speakup.toml"
    config.write_text(
        "speakup_retention_safeguarding_years = 25\nspeakup_retention_speak_up_years = 8\n"
        'speakup_retention_by_outcome = "speak_up:withdrawn=6, safeguarding:referred=30"\n'
    )
    monkeypatch.setenv("SPEAKUP_CONFIG", str(config))
    monkeypatch.setenv("SPEAKUP_RETENTION_SPEAK_UP_YEARS", "12")  # the environment wins
    rules = policy_from(load_settings()).retention
    assert (rules.speak_up_years, rules.safeguarding_years) == (12, 25)
    assert rules.by_outcome == (("speak_up", "withdrawn", 6), ("safeguarding", "referred", 30))


def test_shred_keys_sit_beside_a_sqlite_file_unless_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'speakup.db'}")
    assert load_settings().shred_key_dir() == tmp_path / "data" / "speakup-shred-keys"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/speakup")
    monkeypatch.chdir(tmp_path)
    assert load_settings().shred_key_dir() == tmp_path / "speakup-shred-keys"
    monkeypatch.setenv("SPEAKUP_SHRED_KEY_DIR", str(tmp_path / "keys"))
    assert load_settings().shred_key_dir() == tmp_path / "keys"
