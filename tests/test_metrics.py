"""GET /metrics after a real run: the named series exist with plausible values, and no label
carries a reference, a user id or anything a person typed."""

from __future__ import annotations

import re
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.domain.clock import utcnow
from bot.jobs.runner import run_period
from bot.jobs.sla_sweep import SLA_SWEEP
from bot.runtime.metrics import Metrics, name_label
from bot.runtime.web import create_wsgi_app
from storage.db import Database
from storage.models import Concern
from tests.harness import GUARDIANS, OTHER_STAFF, REPORTER, SAFEGUARDING_MEMBERS, Harness

MARKER = "Zebra-crossing marker text 7731"


def scrape(harness: Harness) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Every sample by name: (labels, value)."""
    with urllib.request.urlopen(f"{harness.server.url}/metrics", timeout=5) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain")
        text = answer.read().decode()
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return samples


def value(samples: dict[str, Any], name: str, **labels: str) -> float:
    return sum(v for found, v in samples.get(name, []) if labels.items() <= found.items())


def test_metrics_after_a_scenario(harness: Harness) -> None:
    for number in range(3):
        result = harness.raise_speak_up(description=f"{MARKER} number {number}")
        assert result.status == 200
    harness.settle()
    with harness.context.db.transaction() as session:
        references = list(session.scalars(select(Concern.reference)))
    harness.click(GUARDIANS[0], references[0], "Acknowledge")
    harness.emulator.fail_next("chat.update", 1, status=429)
    harness.settle()
    forged = harness.workspace.post_signed("{}", "application/json", signature="v0=" + "0" * 64)
    assert forged.status == 401
    harness.workspace.app_home_opened(REPORTER)

    # Cards that cannot go out now wait in the outbox, and the oldest of them ages.
    harness.emulator.set_outage("refuse_token", methods=["chat.postMessage"])
    harness.raise_speak_up(description=MARKER)
    harness.context.clock = lambda: utcnow() + timedelta(days=30)  # everything overdue
    later = harness.context.now()
    period = SLA_SWEEP.schedule.latest(later)
    assert run_period(harness.context, SLA_SWEEP, period, owner="replica-a", now=later).ran
    harness.context.telemetry.alarm("card_unreachable")
    harness.context.telemetry.alarm(references[1])  # a careless caller: counted as "other"
    assert harness.emulator.wait_for(lambda: harness.listeners.idle, 5)
    harness.context.wake_outbox()

    def refused_card_counted() -> bool:
        return value(scrape(harness), "speakup_outbox_deliveries_total", result="retry") >= 1

    assert harness.emulator.wait_for(refused_card_counted, 5)

    samples = scrape(harness)
    harness.emulator.set_outage(None)

    assert value(samples, "speakup_requests_total", surface="view", outcome="ok") >= 4
    assert value(samples, "speakup_requests_total", surface="action", outcome="ok") >= 1
    assert value(samples, "speakup_requests_total", surface="command", outcome="ok") >= 4
    assert value(samples, "speakup_requests_total", surface="event", outcome="ok") >= 1
    assert value(samples, "speakup_requests_total", surface="unknown", outcome="refused") == 1
    answered = value(samples, "speakup_request_seconds_count", surface="view")
    in_time = value(samples, "speakup_request_seconds_bucket", surface="view", le="3.0")
    assert answered >= 4 and in_time == answered
    assert value(samples, "speakup_outbox_deliveries_total", kind="card", result="delivered") >= 3
    assert value(samples, "speakup_outbox_deliveries_total", result="rate_limited") == 1
    assert value(samples, "speakup_outbox_deliveries_total", kind="card", result="retry") >= 1
    assert value(samples, "speakup_outbox_pending", kind="card") >= 1
    assert value(samples, "speakup_outbox_oldest_pending_seconds", kind="card") > 86400
    assert value(samples, "speakup_concerns_overdue", deadline="acknowledge") == 3
    assert value(samples, "speakup_concerns_overdue", deadline="reporter_update") == 1
    assert value(samples, "speakup_job_runs_total", job="sla_sweep") == 1
    assert value(samples, "speakup_job_failures_total", job="sla_sweep") == 0
    assert value(samples, "speakup_job_last_success_timestamp_seconds", job="sla_sweep") > 0
    assert value(samples, "speakup_alarms_raised_total", kind="card_unreachable") == 1
    assert value(samples, "speakup_alarms_raised_total", kind="other") == 1
    assert value(samples, "speakup_metrics_database_up") == 1

    people = {REPORTER, OTHER_STAFF, *GUARDIANS, *SAFEGUARDING_MEMBERS}
    for name, found in samples.items():
        for labels, _ in found:
            for label_value in labels.values():
                assert not any(ref.lower() in label_value.lower() for ref in references), name
                assert not any(person.lower() in label_value.lower() for person in people), name
                assert "marker" not in label_value.lower() and "zebra" not in label_value.lower()
                assert re.fullmatch(r"[a-z0-9_.+]*|[0-9.e+-]+|\+Inf", label_value), label_value


def test_a_failing_job_is_counted_and_reraised(harness: Harness) -> None:
    telemetry = harness.context.telemetry
    with pytest.raises(ZeroDivisionError), telemetry.job("nightly_digest"):
        raise ZeroDivisionError
    with telemetry.job("nightly_digest"):
        pass
    samples = scrape(harness)
    assert value(samples, "speakup_job_runs_total", job="nightly_digest") == 2
    assert value(samples, "speakup_job_failures_total", job="nightly_digest") == 1


def test_an_unreachable_database_is_a_zero_not_a_failed_scrape(harness: Harness) -> None:
    gone = Database("sqlite:////nonexistent-directory/speakup/gone.db")
    metrics = Metrics(gone, harness.context.policy.timescales)
    metrics.request("view", 200, 0.01)
    text = metrics.exposition().decode()
    assert "speakup_metrics_database_up 0.0" in text
    assert 'speakup_requests_total{outcome="ok",surface="view"} 1.0' in text
    assert "speakup_outbox_pending{" not in text  # unknown, not a misleading zero


def test_the_probes_server_serves_metrics_in_socket_mode(harness: Harness) -> None:
    probes = create_wsgi_app(harness.context, None)
    answered: list[str] = []
    body = b"".join(
        probes(
            {"PATH_INFO": "/metrics", "REQUEST_METHOD": "GET"},
            lambda status, headers: answered.append(status),
        )
    )
    assert answered == ["200 OK"]
    assert b"speakup_outbox_pending" in body or b"speakup_metrics_database_up 1.0" in body


def test_label_values_are_names_chosen_in_code() -> None:
    assert name_label("card") == "card"
    for odd in ("SU-ABC123", "U0REPORTER", "a label with spaces", "", "x" * 41, None, 3):
        assert name_label(odd) == "other"
