"""The service's parts that flows, views, jobs and handlers share, built once at start-up."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.clock import utcnow
from bot.domain.policy import Policy
from bot.domain.routing import Router
from bot.flows.authorisation import TeamDirectory
from bot.flows.raising import PreparedRaise, RaisedConcern, RaisePolicy, store_raise
from bot.flows.telemetry import Telemetry
from storage.db import Database
from storage.group_commit import GroupCommit
from storage.vault import Vault


@dataclass
class AppContext:
    db: Database
    vault: Vault
    router: Router
    team: TeamDirectory
    policy: Policy
    # Time is an input: tests move this clock instead of patching `datetime`.
    clock: Callable[[], datetime] = utcnow
    outbox_wakeup: threading.Event = field(default_factory=threading.Event)
    # Deliveries, job runs and alarms are counted here (bot.runtime.metrics serves them).
    telemetry: Telemetry = field(default_factory=Telemetry)
    # New concerns submitted at the same moment are committed together (storage.group_commit).
    raises: GroupCommit[PreparedRaise, RaisedConcern] = field(init=False)

    def __post_init__(self) -> None:
        self.raises = GroupCommit(self.db, store_raise)

    def now(self) -> datetime:
        return self.clock()

    def wake_outbox(self) -> None:
        """Tell the outbox worker there is new work, so delivery does not wait for a poll."""
        self.outbox_wakeup.set()

    @property
    def raise_policy(self) -> RaisePolicy:
        return RaisePolicy(router=self.router, timescales=self.policy.timescales)
