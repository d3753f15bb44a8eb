"""What the service counts about its own work, as the code doing the work reports it.

Flows, jobs and the outbox worker report here; the runtime (bot.runtime.metrics) turns the
reports into Prometheus series. This base class counts nothing, so code and tests that never
serve /metrics need no set-up.

Every label is a name chosen in code (an outbox kind, a job, an alarm kind, a surface): never
a reference, a user id or anything a person typed. bot.runtime.metrics refuses anything else.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

DeliveryResult = Literal["delivered", "retry", "rate_limited", "failed"]


class Telemetry:
    def delivery(self, kind: str, result: DeliveryResult) -> None:
        """One delivery attempt of an outbox item of `kind`: delivered, to be retried (Slack
        or the network failed), rate limited (HTTP 429), or failed by our own fault."""

    def alarm(self, kind: str) -> None:
        """An alarm was raised to people (e.g. a card that cannot reach its channel)."""

    def job_finished(self, job: str, *, failed: bool, seconds: float) -> None:
        """A scheduled job's run ended; see `job`."""

    @contextmanager
    def job(self, name: str) -> Iterator[None]:
        """Count one run of a scheduled job, and a failure if the block raises:

        with context.telemetry.job("sla_sweep"):
            sla_sweep(context, now)
        """
        started = time.monotonic()
        try:
            yield
        except BaseException:
            self.job_finished(name, failed=True, seconds=time.monotonic() - started)
            raise
        self.job_finished(name, failed=False, seconds=time.monotonic() - started)
