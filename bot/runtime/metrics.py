"""Prometheus series for `GET /metrics` (HTTP mode, and the probes server in Socket Mode).

Counted as things happen:
  speakup_requests_total{surface,outcome}       Slack's requests, by surface and answer
  speakup_request_seconds{surface}              time to answer them (Slack allows 3 s)
  speakup_outbox_deliveries_total{kind,result}  delivery attempts: delivered, retry,
                                                rate_limited, failed (our own fault)
  speakup_job_runs_total{job}, speakup_job_failures_total{job},
  speakup_job_last_success_timestamp_seconds{job}
  speakup_alarms_raised_total{kind}             alarms raised to people
Read from the database at scrape time (two queries, each on the status index):
  speakup_outbox_pending{kind}, speakup_outbox_oldest_pending_seconds{kind}
  speakup_concerns_overdue{deadline}            open concerns past each deadline
  speakup_metrics_database_up                   1 if those queries answered

No label carries a reference, a user id or text: every label value is a lower-case name
chosen in code, and anything else is counted as "other".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import load_only

from bot.domain.clock import utcnow
from bot.domain.deadlines import Timescales, deadlines
from bot.domain.taxonomy import Status
from bot.flows.telemetry import DeliveryResult, Telemetry
from bot.runtime.logs import get_logger
from storage.db import Database, DatabaseUnavailable
from storage.models import Concern, OutboxItem
from storage.outbox import PENDING

log = get_logger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
SURFACES = ("command", "action", "view", "event", "shortcut", "options", "unknown")
OUTCOMES = ("ok", "malformed", "refused", "not_found", "too_large", "client_error", "error")
# Deadline names as bot.domain.deadlines words them, and the label each is counted under.
DEADLINES = {
    "Acknowledge": "acknowledge",
    "Record local-authority referral": "referral",
    "Referral acknowledgement": "referral_ack",
    "Update the reporter": "reporter_update",
    "Feedback to the reporter": "feedback",
}
_OPEN = [status.value for status in Status if status is not Status.CLOSED]
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Slack's 3 s limit sits between buckets, so "answered in time" is one bucket's count.
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
_SURFACE_OF_TYPE = {
    "block_actions": "action",
    "interactive_message": "action",
    "view_submission": "view",
    "view_closed": "view",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "block_suggestion": "options",
    "event_callback": "event",
    "url_verification": "event",
    "app_rate_limited": "event",
}


def name_label(value: object) -> str:
    """A label value that can only be a code-chosen name: anything else is "other"."""
    return value if isinstance(value, str) and _NAME.fullmatch(value) else "other"


def surface_of(body: Mapping[str, Any] | None) -> str:
    """Which Slack surface a parsed request came from."""
    if not body:
        return "unknown"
    if isinstance(body.get("command"), str):
        return "command"
    return _SURFACE_OF_TYPE.get(str(body.get("type")), "unknown")


def outcome_of(status: int) -> str:
    if 200 <= status < 300:
        return "ok"
    return {400: "malformed", 401: "refused", 404: "not_found", 413: "too_large"}.get(
        status, "error" if status >= 500 else "client_error"
    )


class Metrics(Telemetry):
    """Every series for one running service, in its own registry."""

    def __init__(
        self, db: Database, timescales: Timescales, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.clock = clock
        self.registry = CollectorRegistry()
        registry = self.registry

        def counter(name: str, documentation: str, *labels: str) -> Counter:
            return Counter(name, documentation, labels, registry=registry)

        self._requests = counter(
            "speakup_requests",
            "Slack requests answered, by surface and outcome.",
            "surface",
            "outcome",
        )
        self._latency = Histogram(
            "speakup_request_seconds",
            "Time to answer a Slack request.",
            ["surface"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self._deliveries = counter(
            "speakup_outbox_deliveries",
            "Outbox delivery attempts, by item kind and result.",
            "kind",
            "result",
        )
        self._job_runs = counter("speakup_job_runs", "Scheduled job runs.", "job")
        self._job_failures = counter(
            "speakup_job_failures", "Scheduled job runs that failed.", "job"
        )
        self._job_success = Gauge(
            "speakup_job_last_success_timestamp_seconds",
            "When each job last finished without failing (Unix time).",
            ["job"],
            registry=registry,
        )
        self._alarms = counter("speakup_alarms_raised", "Alarms raised to people, by kind.", "kind")
        for surface in SURFACES:
            for outcome in OUTCOMES:
                self._requests.labels(surface, outcome)
        registry.register(_DatabaseCollector(db, timescales, lambda: self.clock()))

    # --- counted as things happen ---------------------------------------------------------

    def request(self, surface: str, status: int, seconds: float) -> None:
        surface = surface if surface in SURFACES else "unknown"
        self._requests.labels(surface, outcome_of(status)).inc()
        self._latency.labels(surface).observe(seconds)

    def delivery(self, kind: str, result: DeliveryResult) -> None:
        self._deliveries.labels(name_label(kind), name_label(result)).inc()

    def alarm(self, kind: str) -> None:
        self._alarms.labels(name_label(kind)).inc()

    def job_finished(self, job: str, *, failed: bool, seconds: float) -> None:
        job = name_label(job)
        self._job_runs.labels(job).inc()
        if failed:
            self._job_failures.labels(job).inc()
        else:
            self._job_success.labels(job).set(self.clock().timestamp())

    # --- exposition -----------------------------------------------------------------------

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes; the database series are read now."""
        return generate_latest(self.registry)


class _DatabaseCollector(Collector):
    """Series read from the database at scrape time: cheap, indexed queries only."""

    def __init__(self, db: Database, timescales: Timescales, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._timescales = timescales
        self._clock = clock

    def describe(self) -> Iterable[Metric]:
        return []  # read at scrape time: nothing to describe up front

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "speakup_metrics_database_up", "1 if the database answered this scrape's queries."
        )
        try:
            families = self._read(self._clock())
        except (SQLAlchemyError, DatabaseUnavailable) as exc:
            log.warning("metrics.database_unavailable", error=type(exc).__name__)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [*families, up]

    def _read(self, now: datetime) -> list[Metric]:
        pending = GaugeMetricFamily(
            "speakup_outbox_pending", "Outbox items waiting for delivery, by kind.", labels=["kind"]
        )
        oldest = GaugeMetricFamily(
            "speakup_outbox_oldest_pending_seconds",
            "Age of the oldest outbox item waiting for delivery, by kind.",
            labels=["kind"],
        )
        overdue = GaugeMetricFamily(
            "speakup_concerns_overdue",
            "Open concerns past each deadline.",
            labels=["deadline"],
        )
        late: dict[str, int] = dict.fromkeys(DEADLINES.values(), 0)
        with self._db.transaction() as session:
            by_kind = session.execute(
                select(OutboxItem.kind, func.count(OutboxItem.id), func.min(OutboxItem.created_at))
                .where(OutboxItem.status == PENDING)
                .group_by(OutboxItem.kind)
            ).all()
            open_concerns = session.scalars(
                select(Concern)
                .options(
                    load_only(
                        Concern.kind,
                        Concern.status,
                        Concern.created_at,
                        Concern.ack_due_at,
                        Concern.acknowledged_at,
                        Concern.referral_made_at,
                        Concern.referral_acknowledged_at,
                        Concern.last_reporter_update_at,
                    )
                )
                .where(Concern.status.in_(_OPEN))
            )
            for concern in open_concerns:
                for deadline in deadlines(concern, self._timescales, now):
                    if deadline.overdue:
                        label = DEADLINES.get(deadline.what, "other")
                        late[label] = late.get(label, 0) + 1
        waiting: dict[str, tuple[int, float]] = {}
        for kind, count, first in by_kind:
            label = name_label(kind)  # two odd kinds may both read "other": add them up
            age = max(0.0, (now - first).total_seconds()) if first else 0.0
            total, older = waiting.get(label, (0, 0.0))
            waiting[label] = (total + count, max(older, age))
        for label, (count, age) in waiting.items():
            pending.add_metric([label], count)
            oldest.add_metric([label], age)
        for label, count in late.items():
            overdue.add_metric([label], count)
        return [pending, oldest, overdue]
