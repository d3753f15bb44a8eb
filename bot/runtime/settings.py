"""Every setting, from the environment and an optional TOML file (the environment wins)."""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.domain.taxonomy import QUARTERLY_FIGURES
from storage.crypto import KeyConfigError, KeyRing

DEFAULT_DATABASE_URL = "sqlite:///speakup.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"

CommaList = Annotated[list[str], NoDecode]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def clock_time(value: str) -> time:
    """ "09:00" -> 09:00, or ValueError in plain words."""
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{value!r} is not a time of day such as 09:00") from None


def weekly_time(value: str) -> tuple[int, time]:
    """ "monday 09:00" -> (0, 09:00), or ValueError in plain words."""
    parts = value.strip().lower().split()
    if len(parts) != 2 or parts[0] not in WEEKDAYS:
        raise ValueError(f"{value!r} is not a weekday and time such as 'monday 09:00'")
    return WEEKDAYS.index(parts[0]), clock_time(parts[1])


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and says how to fix it."""


class Settings(BaseSettings):
    """Field names are the environment variable names, lower-cased; the TOML file uses them too."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    speakup_encryption_keys: str | None = None

    speakup_guardian_channel: str | None = None
    speakup_safeguarding_channel: str | None = None
    speakup_leaders_channel: str | None = None
    speakup_guardians: CommaList = Field(default_factory=list)
    speakup_safeguarding_team: CommaList = Field(default_factory=list)
    speakup_leaders: CommaList = Field(default_factory=list)
    speakup_timezone: str = "Europe/London"

    # Timescales (SPEC §2), all configurable.
    speakup_ack_working_days: int = Field(default=2, ge=1, le=7)
    speakup_update_interval_days: int = Field(default=14, ge=1, le=90)
    speakup_feedback_months: int = Field(default=3, ge=1, le=12)
    speakup_referral_working_days: int = Field(default=1, ge=1, le=5)
    speakup_referral_ack_working_days: int = Field(default=2, ge=1, le=10)
    # At least 3: with 2, "<2" could only mean 1.
    speakup_small_number_threshold: int = Field(default=5, ge=3, le=50)

    # Leaders' weekly digest ("<weekday> HH:MM", local time) and the quarterly return.
    speakup_leaders_digest_at: str = "monday 09:00"
    speakup_quarterly_return_at: str = "09:00"
    speakup_org_code: str | None = None
    # The quarterly return's columns (column name -> figure); default in bot.domain.taxonomy.
    speakup_quarterly_columns: dict[str, str] | None = None

    # Optional list of sites/directorates offered in the raise modal (kept for hotspots).
    speakup_sites: CommaList = Field(default_factory=list)
    # Routing overrides for speak-up concerns: "element:<id>=<channel>" or "site:<name>=<channel>".
    speakup_routes: CommaList = Field(default_factory=list)

    speakup_outbox_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    speakup_outbox_backoff_seconds: float = Field(default=2.0, gt=0, le=60)
    speakup_outbox_backoff_cap: float = Field(default=300.0, gt=0, le=3600)
    speakup_usergroup_cache_seconds: int = Field(default=300, ge=0, le=3600)

    @field_validator(
        "speakup_guardians",
        "speakup_safeguarding_team",
        "speakup_leaders",
        "speakup_sites",
        "speakup_routes",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("speakup_timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone; use an IANA name such as Europe/London") from None
        return value

    @field_validator("speakup_leaders_digest_at")
    @classmethod
    def _weekday_and_time(cls, value: str) -> str:
        weekly_time(value)
        return value

    @field_validator("speakup_quarterly_return_at")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        clock_time(value)
        return value

    @field_validator("speakup_quarterly_columns")
    @classmethod
    def _known_figures(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None:
            unknown = sorted(set(value.values()) - QUARTERLY_FIGURES)
            if unknown or not value:
                raise ValueError(
                    f"unknown figure {unknown[0] if unknown else '(none given)'}; "
                    f"known: {', '.join(sorted(QUARTERLY_FIGURES))}"
                )
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_ends_with_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("SPEAKUP_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    def key_ring(self) -> KeyRing:
        """The encryption key ring, or SettingsError saying what is wrong with it."""
        if not self.speakup_encryption_keys:
            raise SettingsError(
                "SPEAKUP_ENCRYPTION_KEYS is not set: run `speakup keys generate` and set it "
                "to the printed key"
            )
        try:
            return KeyRing.from_config(self.speakup_encryption_keys)
        except KeyConfigError as exc:
            raise SettingsError(
                f"SPEAKUP_ENCRYPTION_KEYS is malformed ({exc}): each key must be base64 of "
                "32 random bytes, newest first, comma-separated; `speakup keys generate` "
                "prints one"
            ) from None

    def require_slack(self, *, socket_mode: bool) -> None:
        """Check what a running bot needs from Slack, naming the first missing setting."""
        if not self.slack_bot_token:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from "
                "your Slack app's OAuth & Permissions page"
            )
        if socket_mode and not (self.slack_app_token or "").startswith("xapp-"):
            raise SettingsError(
                "SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write"
            )
        if not socket_mode and not self.slack_signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack "
                "app's Basic Information page"
            )
        if not self.speakup_guardian_channel:
            raise SettingsError(
                "SPEAKUP_GUARDIAN_CHANNEL is not set: give the id (C…) of the guardians' "
                "private channel and invite the app to it"
            )


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning validation failures into one readable SettingsError."""
    config_file = os.environ.get("SPEAKUP_CONFIG")
    if config_file and not Path(config_file).is_file():
        raise SettingsError(f"SPEAKUP_CONFIG names {config_file!r}, which is not a readable file")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"]).upper()
        raise SettingsError(f"{name} is invalid: {first['msg']}") from None
    except ValueError as exc:  # malformed TOML
        raise SettingsError(f"SPEAKUP_CONFIG could not be read: {exc}") from None
