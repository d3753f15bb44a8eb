"""Building the running service from settings: the shared context plus what only the
runtime needs (the settings themselves, and who is waiting on an answer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.domain.deadlines import Timescales
from bot.domain.escalation import Graces, LadderRules, Track
from bot.domain.policy import (
    Aftercare,
    AlarmRules,
    DeliveryTuning,
    DigestRules,
    Policy,
    Reporting,
)
from bot.domain.retention import RetentionRules
from bot.domain.routing import Router, RoutingError
from bot.domain.taxonomy import QUARTERLY_COLUMNS
from bot.flows.authorisation import TeamDirectory
from bot.flows.context import AppContext
from bot.runtime.clients import build_request_client
from bot.runtime.identity import BotIdentity
from bot.runtime.metrics import Metrics
from bot.runtime.settings import (
    Settings,
    SettingsError,
    clock_time,
    retention_override,
    weekly_time,
)
from bot.slack.answering import Answering
from bot.slack.token_state import SlackToken
from storage.db import Database
from storage.shred_keys import ShredKeys
from storage.vault import Vault


@dataclass
class Service(AppContext):
    """The context with the settings it was built from; only the runtime reads these."""

    settings: Settings = field(kw_only=True)
    answering: Answering = field(default_factory=Answering, kw_only=True)
    # The same object as `telemetry`, with the Prometheus registry /metrics serves.
    metrics: Metrics = field(kw_only=True)
    # The bot's ids from auth.test, learned off the request path (bot.runtime.identity).
    identity: BotIdentity = field(kw_only=True)
    # Slack's last word on the bot token (the worker and start-up checks record it).
    slack_token: SlackToken = field(default_factory=SlackToken, kw_only=True)


def policy_from(settings: Settings) -> Policy:
    return Policy(
        timezone=settings.speakup_timezone,
        timescales=Timescales(
            timezone=settings.speakup_timezone,
            update_interval_days=settings.speakup_update_interval_days,
            feedback_months=settings.speakup_feedback_months,
            referral_ack_working_days=settings.speakup_referral_ack_working_days,
            ack_working_days=settings.speakup_ack_working_days,
            urgent_safeguarding_ack_hours=settings.speakup_urgent_safeguarding_ack_hours,
            urgent_safeguarding_referral_hours=settings.speakup_urgent_safeguarding_referral_hours,
            safeguarding_ack_hours=settings.speakup_safeguarding_ack_hours,
            safeguarding_referral_hours=settings.speakup_safeguarding_referral_hours,
        ),
        sites=tuple(settings.speakup_sites),
        safeguarding_team=tuple(settings.speakup_safeguarding_team),
        delivery=DeliveryTuning(
            poll_seconds=settings.speakup_outbox_poll_seconds,
            backoff_seconds=settings.speakup_outbox_backoff_seconds,
            backoff_cap=settings.speakup_outbox_backoff_cap,
        ),
        guardians=tuple(settings.speakup_guardians),
        guardian_leads=tuple(settings.speakup_guardian_leads),
        safeguarding_leads=tuple(settings.speakup_safeguarding_leads),
        ops_channel=settings.speakup_ops_channel or None,
        safeguarding_on=settings.safeguarding_on,
        safeguarding_elsewhere=settings.speakup_safeguarding_elsewhere,
        digests=DigestRules(
            guardians_at=settings.speakup_guardian_digest_time,
            safeguarding_at=settings.speakup_safeguarding_digest_time,
            reporter_wait_days=settings.speakup_reporter_wait_days,
            closed_review_days=settings.speakup_closed_review_days,
            feedback_chase_days=settings.speakup_feedback_chase_days,
        ),
        alarms=AlarmRules(
            urgent_after=timedelta(minutes=settings.speakup_alarm_urgent_minutes),
            other_after=timedelta(minutes=settings.speakup_alarm_minutes),
            repeat_every=timedelta(minutes=settings.speakup_alarm_repeat_minutes),
            check_minutes=settings.speakup_alarm_check_minutes,
        ),
        job_lease=timedelta(seconds=settings.speakup_job_lease_seconds),
        reporting=reporting_from(settings),
        executive_leads=tuple(settings.speakup_executive_leads),
        ladder=ladder_from(settings),
        aftercare=Aftercare(
            checkin_weeks=settings.speakup_detriment_checkin_weeks,
            learning_channel=settings.speakup_learning_channel or None,
        ),
        retention=RetentionRules(
            timezone=settings.speakup_timezone,
            speak_up_years=settings.speakup_retention_speak_up_years,
            safeguarding_years=settings.speakup_retention_safeguarding_years,
            by_outcome=tuple(
                retention_override(rule) for rule in settings.speakup_retention_by_outcome
            ),
        ),
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


def ladder_from(settings: Settings) -> LadderRules:
    """The escalation ladder's reminder point and graces, from settings."""
    return LadderRules(
        timezone=settings.speakup_timezone,
        reminder_percent=settings.speakup_escalation_reminder_percent,
        graces={
            Track.SPEAK_UP: Graces(
                leads=settings.speakup_speak_up_leads_grace_working_days,
                executives=settings.speakup_speak_up_executive_grace_working_days,
                working_days=True,
            ),
            Track.URGENT_SAFEGUARDING: Graces(
                leads=settings.speakup_urgent_safeguarding_leads_grace_hours,
                executives=settings.speakup_urgent_safeguarding_executive_grace_hours,
                working_days=False,
            ),
            Track.SAFEGUARDING: Graces(
                leads=settings.speakup_safeguarding_leads_grace_hours,
                executives=settings.speakup_safeguarding_executive_grace_hours,
                working_days=False,
            ),
        },
    )


def build_context(settings: Settings, db: Database | None = None) -> Service:
    """Wire the parts; raises SettingsError for anything misconfigured."""
    ring = settings.key_ring()
    try:
        router = Router.from_settings(
            settings.speakup_guardian_channel or "",
            settings.speakup_safeguarding_channel if settings.safeguarding_on else None,
            settings.speakup_routes,
        )
    except RoutingError as exc:
        raise SettingsError(str(exc)) from None
    # Team membership is looked up while answering a button or a form: the request client.
    client = build_request_client(settings)

    def fetch_group(group_id: str) -> list[str]:
        return [str(user) for user in client.usergroups_users_list(usergroup=group_id)["users"]]

    database = db or Database(settings.database_url)
    database.ring = ring  # every transaction MACs its audit entries with it (storage.audit)
    policy = policy_from(settings)
    metrics = Metrics(database, policy.timescales)
    service = Service(
        db=database,
        vault=Vault(ring, ShredKeys(settings.shred_key_dir())),
        router=router,
        team=TeamDirectory(
            guardians=settings.speakup_guardians,
            safeguarding=settings.speakup_safeguarding_team,
            fetch_group=fetch_group,
            ttl_seconds=settings.speakup_usergroup_cache_seconds,
        ),
        policy=policy,
        settings=settings,
        telemetry=metrics,
        metrics=metrics,
        identity=BotIdentity(client, settings.slack_bot_token),
    )
    metrics.clock = service.now  # scrape-time ages follow the service's clock
    return service
