"""Building the running service from settings: the shared context plus what only the
runtime needs (the settings themselves, and who is waiting on an answer)."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk import WebClient

from bot.domain.deadlines import Timescales
from bot.domain.policy import DeliveryTuning, Policy, Reporting
from bot.domain.routing import Router, RoutingError
from bot.domain.taxonomy import QUARTERLY_COLUMNS
from bot.flows.authorisation import TeamDirectory
from bot.flows.context import AppContext
from bot.runtime.settings import Settings, SettingsError, clock_time, weekly_time
from bot.slack.answering import Answering
from storage.db import Database
from storage.vault import Vault


@dataclass
class Service(AppContext):
    """The context with the settings it was built from; only the runtime reads these."""

    settings: Settings = field(kw_only=True)
    answering: Answering = field(default_factory=Answering, kw_only=True)


def policy_from(settings: Settings) -> Policy:
    return Policy(
        timezone=settings.speakup_timezone,
        timescales=Timescales(
            timezone=settings.speakup_timezone,
            update_interval_days=settings.speakup_update_interval_days,
            feedback_months=settings.speakup_feedback_months,
            referral_working_days=settings.speakup_referral_working_days,
            referral_ack_working_days=settings.speakup_referral_ack_working_days,
        ),
        ack_working_days=settings.speakup_ack_working_days,
        sites=tuple(settings.speakup_sites),
        safeguarding_team=tuple(settings.speakup_safeguarding_team),
        delivery=DeliveryTuning(
            poll_seconds=settings.speakup_outbox_poll_seconds,
            backoff_seconds=settings.speakup_outbox_backoff_seconds,
            backoff_cap=settings.speakup_outbox_backoff_cap,
        ),
        reporting=reporting_from(settings),
    )


def reporting_from(settings: Settings) -> Reporting:
    weekday, at = weekly_time(settings.speakup_leaders_digest_at)
    columns = settings.speakup_quarterly_columns or QUARTERLY_COLUMNS
    return Reporting(
        leaders_channel=settings.speakup_leaders_channel,
        small_number_threshold=settings.speakup_small_number_threshold,
        digest_weekday=weekday,
        digest_time=at,
        quarterly_time=clock_time(settings.speakup_quarterly_return_at),
        org_code=settings.speakup_org_code or "",
        quarterly_columns=tuple(columns.items()),
    )


def build_context(settings: Settings, db: Database | None = None) -> Service:
    """Wire the parts; raises SettingsError for anything misconfigured."""
    ring = settings.key_ring()
    try:
        router = Router.from_settings(
            settings.speakup_guardian_channel or "",
            settings.speakup_safeguarding_channel,
            settings.speakup_routes,
        )
    except RoutingError as exc:
        raise SettingsError(str(exc)) from None
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)

    def fetch_group(group_id: str) -> list[str]:
        return [str(user) for user in client.usergroups_users_list(usergroup=group_id)["users"]]

    return Service(
        db=db or Database(settings.database_url),
        vault=Vault(ring),
        router=router,
        team=TeamDirectory(
            guardians=settings.speakup_guardians,
            safeguarding=settings.speakup_safeguarding_team,
            fetch_group=fetch_group,
            ttl_seconds=settings.speakup_usergroup_cache_seconds,
        ),
        policy=policy_from(settings),
        settings=settings,
    )
