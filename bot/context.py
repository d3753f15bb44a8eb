"""The running service's parts, built once from settings and handed to handlers and jobs."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from slack_sdk import WebClient

from bot.answering import Answering
from bot.authz import TeamDirectory
from bot.raising import PreparedRaise, RaisedConcern, RaisePolicy, store_raise
from bot.routing import Router, RoutingError
from bot.settings import Settings, SettingsError
from storage.db import Database
from storage.group_commit import GroupCommit
from storage.vault import Vault


@dataclass
class AppContext:
    settings: Settings
    db: Database
    vault: Vault
    router: Router
    team: TeamDirectory
    outbox_wakeup: threading.Event = field(default_factory=threading.Event)
    answering: Answering = field(default_factory=Answering)
    # New concerns submitted at the same moment are committed together (storage.group_commit).
    raises: GroupCommit[PreparedRaise, RaisedConcern] = field(init=False)

    def __post_init__(self) -> None:
        self.raises = GroupCommit(self.db, store_raise)

    def wake_outbox(self) -> None:
        """Tell the outbox worker there is new work, so delivery does not wait for a poll."""
        self.outbox_wakeup.set()

    @property
    def raise_policy(self) -> RaisePolicy:
        return RaisePolicy(
            router=self.router,
            timezone=self.settings.speakup_timezone,
            ack_working_days=self.settings.speakup_ack_working_days,
        )


def build_context(settings: Settings, db: Database | None = None) -> AppContext:
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

    return AppContext(
        settings=settings,
        db=db or Database(settings.database_url),
        vault=Vault(ring),
        router=router,
        team=TeamDirectory(
            guardians=settings.speakup_guardians,
            safeguarding=settings.speakup_safeguarding_team,
            fetch_group=fetch_group,
            ttl_seconds=settings.speakup_usergroup_cache_seconds,
        ),
    )
