"""Every setting, from the environment and an optional TOML file (the environment wins)."""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url

from bot.domain.taxonomy import OUTCOMES, QUARTERLY_FIGURES, ConcernKind
from bot.runtime.logs import LOG_LEVELS
from storage.crypto import KeyConfigError, KeyRing

DEFAULT_DATABASE_URL = "sqlite:///speakup.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
SHRED_DIR_NAME = "speakup-shred-keys"

# Slack ids as Slack shows them: channels C… (G… for older private ones); members U… (W… on
# Enterprise Grid) and user groups S…. A name such as "#ftsu-guardians" is the commonest slip.
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
MEMBER_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")
FIND_CHANNEL_ID = (
    "in Slack open the channel, click its name for the channel details and copy the "
    "Channel ID shown at the bottom (C…)"
)
FIND_MEMBER_ID = (
    "use member ids (U… or W…: open the person's profile, ⋮ More, Copy member ID) or "
    "user-group ids (S…), comma-separated"
)

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


def retention_override(rule: str) -> tuple[str, str, int]:
    """ "speak_up:withdrawn=6" -> ("speak_up", "withdrawn", 6), or ValueError in plain words."""
    target, sep, years_text = rule.partition("=")
    kind, colon, outcome = target.strip().partition(":")
    kinds = [kind.value for kind in ConcernKind]
    shape = f"{rule!r} is not kind:outcome=years such as speak_up:withdrawn=6"
    if not sep or not colon:
        raise ValueError(shape)
    if kind.strip() not in kinds:
        raise ValueError(f"{rule!r}: the kind must be one of {', '.join(kinds)}")
    if outcome.strip() not in OUTCOMES:
        raise ValueError(f"{rule!r}: the outcome must be one of {', '.join(OUTCOMES)}")
    try:
        years = int(years_text.strip())
    except ValueError:
        raise ValueError(shape) from None
    if not 1 <= years <= 150:
        raise ValueError(f"{rule!r}: years must be 1 to 150")
    return kind.strip(), outcome.strip(), years


_CHANNELS = (
    "speakup_guardian_channel",
    "speakup_safeguarding_channel",
    "speakup_leaders_channel",
    "speakup_ops_channel",
    "speakup_learning_channel",
)
_MEMBER_LISTS = (
    "speakup_guardians",
    "speakup_safeguarding_team",
    "speakup_leaders",
    "speakup_guardian_leads",
    "speakup_safeguarding_leads",
    "speakup_executive_leads",
)


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
    speakup_ops_channel: str | None = None
    speakup_learning_channel: str | None = None
    speakup_guardians: CommaList = Field(default_factory=list)
    speakup_safeguarding_team: CommaList = Field(default_factory=list)
    speakup_leaders: CommaList = Field(default_factory=list)
    speakup_guardian_leads: CommaList = Field(default_factory=list)
    speakup_safeguarding_leads: CommaList = Field(default_factory=list)
    speakup_executive_leads: CommaList = Field(default_factory=list)
    speakup_timezone: str = "Europe/London"
    speakup_log_level: str = "INFO"

    # Timescales (SPEC §2), all configurable.
    speakup_ack_working_days: int = Field(default=2, ge=1, le=7)
    speakup_update_interval_days: int = Field(default=14, ge=1, le=90)
    speakup_feedback_months: int = Field(default=3, ge=1, le=12)
    speakup_referral_ack_working_days: int = Field(default=1, ge=1, le=10)
    # Safeguarding runs on elapsed hours, 24/7, by urgency.
    speakup_urgent_safeguarding_ack_hours: int = Field(default=1, ge=1, le=24)
    speakup_urgent_safeguarding_referral_hours: int = Field(default=4, ge=1, le=48)
    speakup_safeguarding_ack_hours: int = Field(default=24, ge=1, le=72)
    speakup_safeguarding_referral_hours: int = Field(default=24, ge=1, le=120)

    # The escalation ladder: a reminder once this share of a deadline's window has passed,
    # then, once overdue by each grace, DMs to the leads and then the executive leads
    # (SPEAKUP_GUARDIAN_LEADS, SPEAKUP_SAFEGUARDING_LEADS, SPEAKUP_EXECUTIVE_LEADS above).
    speakup_escalation_reminder_percent: int = Field(default=75, ge=1, le=99)
    speakup_speak_up_leads_grace_working_days: int = Field(default=2, ge=0, le=30)
    speakup_speak_up_executive_grace_working_days: int = Field(default=5, ge=1, le=60)
    speakup_urgent_safeguarding_leads_grace_hours: int = Field(default=1, ge=0, le=72)
    speakup_urgent_safeguarding_executive_grace_hours: int = Field(default=4, ge=1, le=168)
    speakup_safeguarding_leads_grace_hours: int = Field(default=8, ge=0, le=168)
    speakup_safeguarding_executive_grace_hours: int = Field(default=24, ge=1, le=336)
    # At least 3: with 2, "<2" could only mean 1.
    speakup_small_number_threshold: int = Field(default=5, ge=3, le=50)

    # Leaders' weekly digest ("<weekday> HH:MM", local time) and the quarterly return.
    speakup_leaders_digest_at: str = "monday 09:00"
    speakup_quarterly_return_at: str = "09:00"
    speakup_org_code: str | None = None
    # The quarterly return's columns (column name -> figure); default in bot.domain.taxonomy.
    speakup_quarterly_columns: dict[str, str] | None = None

    # After closure: weeks until reporters are asked about detriment (0 turns it off).
    speakup_detriment_checkin_weeks: int = Field(default=6, ge=0, le=52)

    # Optional list of sites/directorates offered in the raise modal (kept for hotspots).
    speakup_sites: CommaList = Field(default_factory=list)
    # Routing overrides for speak-up concerns: "element:<id>=<channel>" or "site:<name>=<channel>".
    speakup_routes: CommaList = Field(default_factory=list)

    speakup_outbox_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    speakup_outbox_backoff_seconds: float = Field(default=2.0, gt=0, le=60)
    speakup_outbox_backoff_cap: float = Field(default=300.0, gt=0, le=3600)
    speakup_usergroup_cache_seconds: int = Field(default=300, ge=0, le=3600)

    # "off": the trust takes safeguarding concerns elsewhere; the raise modal says where.
    speakup_safeguarding: Literal["on", "off"] = "on"
    speakup_safeguarding_elsewhere: str = Field(
        default=(
            "Safeguarding concerns are not taken in this app. If anyone is in immediate danger "
            "call 999 now; otherwise contact the safeguarding team as the trust's safeguarding "
            "policy says."
        ),
        min_length=1,
        max_length=300,  # shown as a field error too, where a short message reads best
    )

    # Daily digests (local times, HH:MM) and what they look back on.
    speakup_guardian_digest_time: time = time(8, 30)
    speakup_safeguarding_digest_time: time = time(8, 0)
    speakup_reporter_wait_days: int = Field(default=7, ge=1, le=90)
    speakup_closed_review_days: int = Field(default=7, ge=1, le=90)
    speakup_feedback_chase_days: int = Field(default=30, ge=1, le=365)

    # Delivery alarms: how long a card may wait before people are told, and how often again.
    speakup_alarm_urgent_minutes: int = Field(default=5, ge=1, le=240)
    speakup_alarm_minutes: int = Field(default=15, ge=1, le=1440)
    speakup_alarm_repeat_minutes: int = Field(default=60, ge=5, le=1440)
    speakup_alarm_check_minutes: int = Field(default=1, ge=1, le=60)
    # How long a scheduled job's claim is held before another replica may take it over.
    speakup_job_lease_seconds: int = Field(default=300, ge=1, le=3600)

    # Retention (bot.domain.retention): years content is kept after closure. Safeguarding has
    # no default: nothing of it is destroyed until the trust's records policy sets a period.
    speakup_retention_speak_up_years: int = Field(default=10, ge=1, le=100)
    speakup_retention_safeguarding_years: int | None = Field(default=None, ge=1, le=150)
    # Overrides by outcome: "speak_up:withdrawn=6,safeguarding:referred=25".
    speakup_retention_by_outcome: CommaList = Field(default_factory=list)
    # Where the monthly shred keys live: never in the database, never in its backups.
    speakup_shred_key_dir: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty_means_unset(cls, values: Any) -> Any:
        # `DATABASE_URL=` in an env file (or "" in the TOML file) leaves the default in place.
        if isinstance(values, dict):
            return {
                name: value
                for name, value in values.items()
                if not (isinstance(value, str) and not value.strip())
            }
        return values

    @field_validator(
        *_MEMBER_LISTS,
        "speakup_sites",
        "speakup_routes",
        "speakup_retention_by_outcome",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator(*_CHANNELS)
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not CHANNEL_ID.match(value):
            raise ValueError(f"{value!r} is not a channel id: {FIND_CHANNEL_ID}")
        return value

    @field_validator(*_MEMBER_LISTS)
    @classmethod
    def _member_ids(cls, values: list[str]) -> list[str]:
        cleaned = [value.strip() for value in values]
        for value in cleaned:
            if not MEMBER_ID.match(value):
                raise ValueError(
                    f"{value!r} is not a Slack member or user-group id: {FIND_MEMBER_ID}"
                )
        return cleaned

    @field_validator("speakup_routes")
    @classmethod
    def _routes_name_channel_ids(cls, rules: list[str]) -> list[str]:
        # The shape of a rule is the router's to judge; where it sends concerns is checked here.
        for rule in rules:
            _, sep, channel = rule.partition("=")
            if sep and channel.strip() and not CHANNEL_ID.match(channel.strip()):
                raise ValueError(
                    f"{rule!r} sends concerns to {channel.strip()!r}, which is not a channel id: "
                    + FIND_CHANNEL_ID
                )
        return rules

    @field_validator("speakup_retention_by_outcome")
    @classmethod
    def _retention_rules(cls, rules: list[str]) -> list[str]:
        for rule in rules:
            retention_override(rule)
        return rules

    @field_validator("speakup_log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        level = "WARNING" if level == "WARN" else level
        if level not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("speakup_safeguarding", mode="before")
    @classmethod
    def _on_or_off(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("speakup_guardian_digest_time", "speakup_safeguarding_digest_time")
    @classmethod
    def _whole_minutes(cls, value: time) -> time:
        return value.replace(second=0, microsecond=0, tzinfo=None)

    @property
    def safeguarding_on(self) -> bool:
        return self.speakup_safeguarding == "on"

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

    @model_validator(mode="after")
    def _executives_after_leads(self) -> Settings:
        pairs = (
            ("SPEAKUP_SPEAK_UP", self.speakup_speak_up_leads_grace_working_days,
             self.speakup_speak_up_executive_grace_working_days, "_WORKING_DAYS"),
            ("SPEAKUP_URGENT_SAFEGUARDING", self.speakup_urgent_safeguarding_leads_grace_hours,
             self.speakup_urgent_safeguarding_executive_grace_hours, "_HOURS"),
            ("SPEAKUP_SAFEGUARDING", self.speakup_safeguarding_leads_grace_hours,
             self.speakup_safeguarding_executive_grace_hours, "_HOURS"),
        )  # fmt: skip
        for prefix, leads, executives, unit in pairs:
            if executives <= leads:
                raise ValueError(
                    f"{prefix}_EXECUTIVE_GRACE{unit} ({executives}) must be longer than "
                    f"{prefix}_LEADS_GRACE{unit} ({leads}): executives are told after the leads"
                )
        return self

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
                f"SPEAKUP_ENCRYPTION_KEYS: {exc}. Each key must be base64 of 32 random bytes "
                "(`speakup keys generate` prints one), newest first, comma-separated"
            ) from None

    def shred_key_dir(self) -> Path:
        """SPEAKUP_SHRED_KEY_DIR, else `speakup-shred-keys` beside the SQLite file, else in the
        working directory (a server database has no file to sit beside)."""
        if self.speakup_shred_key_dir:
            return Path(self.speakup_shred_key_dir).expanduser()
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(str(url.database)).expanduser().resolve().parent / SHRED_DIR_NAME
        return Path.cwd() / SHRED_DIR_NAME

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

    def require_teams(self) -> None:
        """Check that someone receives each kind of concern the service takes."""
        if self.safeguarding_on and not self.speakup_safeguarding_channel:
            raise SettingsError(
                "SPEAKUP_SAFEGUARDING_CHANNEL is not set: give the id (C…) of the safeguarding "
                "team's private channel and invite the app to it, or set SPEAKUP_SAFEGUARDING=off "
                "if the trust takes safeguarding concerns elsewhere"
            )
        if not self.speakup_guardians:
            raise SettingsError(
                "SPEAKUP_GUARDIANS is empty: list the guardians' Slack user ids (U…) or a user "
                "group id (S…), comma-separated"
            )
        if self.safeguarding_on and not self.speakup_safeguarding_team:
            raise SettingsError(
                "SPEAKUP_SAFEGUARDING_TEAM is empty: list the safeguarding team's Slack user ids "
                "(U…) or a user group id (S…), comma-separated, or set SPEAKUP_SAFEGUARDING=off"
            )

    def channel_settings(self) -> list[tuple[str, str]]:
        """Every configured channel the app posts to, with the setting that names it."""
        named = [
            ("SPEAKUP_GUARDIAN_CHANNEL", self.speakup_guardian_channel),
            ("SPEAKUP_SAFEGUARDING_CHANNEL", self.speakup_safeguarding_channel),
            ("SPEAKUP_LEADERS_CHANNEL", self.speakup_leaders_channel),
            ("SPEAKUP_OPS_CHANNEL", self.speakup_ops_channel),
            ("SPEAKUP_LEARNING_CHANNEL", self.speakup_learning_channel),
        ]
        if not self.safeguarding_on:
            named = [pair for pair in named if pair[0] != "SPEAKUP_SAFEGUARDING_CHANNEL"]
        named += [
            ("SPEAKUP_ROUTES", rule.partition("=")[2].strip()) for rule in self.speakup_routes
        ]
        found: list[tuple[str, str]] = []
        for name, channel in named:
            if channel and channel not in {known for _, known in found}:
                found.append((name, channel))
        return found


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
        message = first["msg"].removeprefix("Value error, ")
        if not name:  # a rule across settings names them in its own message
            raise SettingsError(message) from None
        raise SettingsError(f"{name} is invalid: {message}") from None
    except ValueError as exc:  # malformed TOML
        raise SettingsError(f"SPEAKUP_CONFIG could not be read: {exc}") from None


def port_setting(raw: str | None) -> int:
    """The HTTP port from PORT: the default when unset or empty, SettingsError when it is not
    a port number. Read only by `serve`, so a stray PORT never stops the other commands."""
    if raw is None or not raw.strip():
        return DEFAULT_PORT
    try:
        return parse_port(raw)
    except ValueError as exc:
        raise SettingsError(f"PORT is invalid: {exc}") from None


def parse_port(raw: str) -> int:
    """A TCP port number, 1 to 65535, or ValueError saying what is wrong."""
    try:
        port = int(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a port number (1 to 65535)") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"{port} is not a port number (1 to 65535)")
    return port
