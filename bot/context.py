"""The running service's parts, built once from settings and handed to handlers and jobs."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from bot.raising import RaisePolicy
from bot.routing import Router, RoutingError
from bot.settings import Settings, SettingsError
from storage.db import Database
from storage.vault import Vault


@dataclass
class AppContext:
    settings: Settings
    db: Database
    vault: Vault
    router: Router
    outbox_wakeup: threading.Event = field(default_factory=threading.Event)

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
    return AppContext(
        settings=settings,
        db=db or Database(settings.database_url),
        vault=Vault(ring),
        router=router,
    )
