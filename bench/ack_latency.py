"""How fast does speakup acknowledge a submitted concern under load, next to a bare Bolt app?

    .venv/bin/python bench/ack_latency.py          # three scenarios: steady, one at a time, burst
    .venv/bin/python bench/ack_latency.py --threads 8 --rate 50   # one run of your own

Both apps run in this process on the same server stack (waitress through create_server with
8 threads) and check Slack signatures the same way. The bare app's view listener only acks;
speakup's validates, encrypts, commits the concern with its audit entry and outbox items to
SQLite (or --database-url), then acks, while its outbox worker delivers cards and DMs to the
Slack emulator.
The emulator and the load generator each run in their own process, as Slack would, so they
do not compete with the apps for this process's interpreter lock.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import multiprocessing
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy import func, select
from waitress.server import create_server

from bot.demo.simulator.web_api import SlackWebApiEmulator
from bot.demo.simulator.workspace import SlackWorkspace
from bot.domain.taxonomy import ConcernKind
from bot.runtime.context import Service, build_context
from bot.runtime.logs import configure_logging
from bot.runtime.server import start_http
from bot.runtime.settings import Settings, load_settings
from bot.slack.ids import Callback
from handlers.raise_flow import raise_view
from storage.crypto import generate_key
from storage.models import OutboxItem

SECRET = "bench-signing-secret-0123456789"
REPORTER = "U0BENCHREPORTER"
GUARDIAN_CHANNEL = "C0BENCHFTSU"
SAFEGUARDING_CHANNEL = "C0BENCHSAFE"
ANSWERS = {
    "elements": ["worker_safety", "patient_safety"],
    "description": (
        "Night shifts at the station leave one paramedic alone on the rapid response car, "
        "and there is nobody to call when a patient becomes violent."
    ),
    "identity": "confidential",
    "professional_group": "paramedic_clinician",
}


# -- the load generator (its own process) --------------------------------------------------


def drive(
    app_url: str,
    view: dict[str, Any],
    submissions: int,
    threads: int,
    tag: str,
    rate: float = 0.0,
) -> list[tuple[float, bool]]:
    """Submit the view `submissions` times; (seconds to the answer, answered in time) each.

    With `rate` (submissions per second) the submissions start on a fixed schedule (open
    loop); without it each thread sends its next one as soon as the last is answered.
    """
    # The workspace only needs the emulator's bookkeeping here, not its HTTP server.
    workspace = SlackWorkspace(app_url, SECRET, SlackWebApiEmulator(), timeout=30)
    start = time.monotonic() + 0.2

    def one(number: int) -> tuple[float, bool]:
        if rate > 0:
            time.sleep(max(0.0, start + number / rate - time.monotonic()))
        result = workspace.submit_view(
            REPORTER, view, ANSWERS, view_id=f"V0{tag}{number:07d}".upper()
        )
        body = result.json() or {}
        if body.get("response_action") == "errors":
            raise RuntimeError(f"submission {number} was refused: {result.body[:200]}")
        # Bolt gives up waiting for an ack after 3 s and answers 404 "unhandled request";
        # Slack would have shown the person an error by then.
        return result.elapsed, result.status == 200

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(submissions)))


# -- the Slack emulator (its own process) ----------------------------------------------------


def serve_emulator(port: int, ready: Any, stop: Any) -> None:
    with SlackWebApiEmulator(port=port):
        ready.set()
        stop.wait()


@contextmanager
def emulator_process() -> Iterator[str]:
    spawn = multiprocessing.get_context("spawn")
    ready, stop = spawn.Event(), spawn.Event()
    port = free_port()
    process = spawn.Process(target=serve_emulator, args=(port, ready, stop), daemon=True)
    process.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("the Slack emulator did not start")
        yield f"http://127.0.0.1:{port}/api/"
    finally:
        stop.set()
        process.join(10)
        if process.is_alive():
            process.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the two apps ----------------------------------------------------------------------------


@dataclass
class Served:
    url: str
    stop: Callable[[], None]


def bench_settings(api_url: str, database_url: str) -> Settings:
    return load_settings(
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        slack_api_url=api_url,
        database_url=database_url,
        speakup_encryption_keys=generate_key(),
        speakup_guardian_channel=GUARDIAN_CHANNEL,
        speakup_safeguarding_channel=SAFEGUARDING_CHANNEL,
        speakup_guardians=["U0BENCHGUARD"],
        speakup_outbox_poll_seconds=0.5,
    )


def serve_speakup(context: Service, *, with_worker: bool) -> Served:
    running = start_http(context, with_worker=with_worker)
    return Served(f"{running.url}/slack/events", running.stop)


def serve_bare_bolt(api_url: str) -> Served:
    """A Bolt app whose view listener only acks, on the same waitress settings as speakup."""
    app = App(
        signing_secret=SECRET,
        client=WebClient(token="xoxb-bench", base_url=api_url),
        token_verification_enabled=False,
        process_before_response=False,
        logger=logging.getLogger("bench.bare"),
    )

    @app.view(Callback.RAISE_SPEAK_UP.value)
    def only_ack(ack: Ack) -> None:
        ack()

    handler = SlackRequestHandler(app, path="/slack/events")
    server = create_server(handler, host="127.0.0.1", port=0, threads=8, ident="bare")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    port = int(server.effective_port)  # type: ignore[union-attr]

    def stop() -> None:
        time.sleep(0.2)  # let waitress finish writing the last answers before its sockets go
        server.close()
        thread.join(5)

    return Served(f"http://127.0.0.1:{port}/slack/events", stop)


# -- where the time goes ------------------------------------------------------------------


class Sampler:
    """A sampling profiler over every thread of this process (cProfile sees one thread only).

    Every few milliseconds it records, for each thread busy in speakup's code, which of our
    functions are on its stack and which function it is in right now.
    """

    OURS = ("/bot/", "/storage/", "/handlers/")

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.inclusive: collections.Counter[str] = collections.Counter()
        self.leaf: collections.Counter[str] = collections.Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval):
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                stack = []
                walker: Any = frame
                while walker is not None:
                    code = walker.f_code
                    stack.append(f"{Path(code.co_filename).name}:{code.co_name}")
                    if any(part in code.co_filename for part in self.OURS):
                        stack[-1] = "* " + stack[-1]
                    walker = walker.f_back
                if not any(entry.startswith("* ") for entry in stack):
                    continue  # idle server threads, the emulator client, this script
                self.samples += 1
                self.leaf[stack[0].removeprefix("* ")] += 1
                for entry in set(stack):
                    if entry.startswith("* "):
                        self.inclusive[entry[2:]] += 1

    def report(self, top: int = 25) -> str:
        lines = [f"thread samples inside speakup's code: {self.samples}"]
        lines.append("  where those threads were (innermost function):")
        for name, count in self.leaf.most_common(top):
            lines.append(f"    {100 * count / self.samples:5.1f}%  {name}")
        lines.append("  speakup functions on the stack (inclusive):")
        for name, count in self.inclusive.most_common(top):
            lines.append(f"    {100 * count / self.samples:5.1f}%  {name}")
        return "\n".join(lines)


# -- measuring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    count: int
    failed: int
    p50: float
    p99: float
    mean: float
    worst: float
    cpu_per_submission: float  # seconds of this process's CPU during the run, per submission

    @classmethod
    def of(cls, samples: Iterable[tuple[float, bool]], cpu_seconds: float) -> Figures:
        answers = list(samples)
        ordered = sorted(elapsed for elapsed, _ in answers)
        return cls(
            count=len(ordered),
            failed=sum(1 for _, in_time in answers if not in_time),
            p50=percentile(ordered, 50),
            p99=percentile(ordered, 99),
            mean=statistics.fmean(ordered),
            worst=ordered[-1],
            cpu_per_submission=cpu_seconds / max(1, len(ordered)),
        )

    def line(self, name: str) -> str:
        ms = 1000
        return (
            f"{name:<10} n={self.count:<5} p50 {self.p50 * ms:7.1f} ms"
            f"   p99 {self.p99 * ms:7.1f} ms   mean {self.mean * ms:7.1f} ms"
            f"   max {self.worst * ms:7.1f} ms   cpu {self.cpu_per_submission * ms:4.1f} ms/sub"
            + (f"   FAILED (no ack in 3 s, or an error): {self.failed}" if self.failed else "")
        )


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted samples."""
    rank = max(1, round(pct / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class Scenario:
    name: str
    submissions: int
    threads: int
    rate: float  # submissions a second on a fixed schedule; 0 = as fast as answered

    def describe(self) -> str:
        pace = f"at {self.rate:g}/s" if self.rate else "each sending as soon as answered"
        return f"{self.submissions} submissions from {self.threads} clients, {pace}"


SCENARIOS = (
    Scenario("steady", submissions=300, threads=8, rate=20),
    Scenario("one at a time", submissions=200, threads=1, rate=0),
    Scenario("burst", submissions=400, threads=20, rate=0),
)


def measure(
    pool: ProcessPoolExecutor, url: str, view: dict[str, Any], scenario: Scenario, tag: str
) -> Figures:
    threads = scenario.threads
    pool.submit(drive, url, view, 2 * threads, threads, f"W{tag}").result()  # warm up
    cpu_before = time.process_time()
    samples = pool.submit(
        drive, url, view, scenario.submissions, threads, tag, scenario.rate
    ).result()
    return Figures.of(samples, time.process_time() - cpu_before)


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    bare: Figures
    speakup: Figures
    drained: float

    @property
    def ratio(self) -> float:
        return self.speakup.p99 / self.bare.p99

    def verdict(self) -> str:
        return "within 1.5x" if self.ratio <= 1.5 else "OVER 1.5x"


def run_scenario(
    pool: ProcessPoolExecutor,
    api_url: str,
    scenario: Scenario,
    args: argparse.Namespace,
    sampler: Sampler | None,
) -> Outcome:
    """Bare app, then speakup (on a fresh SQLite database unless given one), same load."""
    with tempfile.TemporaryDirectory(prefix="speakup-bench-") as directory:
        database_url = args.database_url or f"sqlite:///{Path(directory) / 'bench.db'}"
        context = build_context(bench_settings(api_url, database_url))
        context.db.upgrade()
        view = raise_view(context, ConcernKind.SPEAK_UP)
        tag = "".join(word[0] for word in scenario.name.split()).upper()

        bare = serve_bare_bolt(api_url)
        try:
            bare_figures = measure(pool, bare.url, view, scenario, f"B{tag}")
        finally:
            bare.stop()

        speakup = serve_speakup(context, with_worker=not args.no_worker)
        try:
            with sampler or nullcontext():
                speakup_figures = measure(pool, speakup.url, view, scenario, f"S{tag}")
            started = time.monotonic()
            while not args.no_worker and pending(context) and time.monotonic() - started < 120:
                context.wake_outbox()
                time.sleep(0.2)
            drained = time.monotonic() - started
        finally:
            time.sleep(0.2)
            speakup.stop()
            context.db.dispose()
    return Outcome(scenario, bare_figures, speakup_figures, drained)


def pending(context: Service) -> int:
    with context.db.transaction() as session:
        count = session.scalar(
            select(func.count(OutboxItem.id)).where(OutboxItem.status == "pending")
        )
    return int(count or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--submissions", type=int, default=0, help="with --threads/--rate: one custom run"
    )
    parser.add_argument("--threads", type=int, default=0, help="concurrent clients")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="submissions per second on a fixed schedule (default: as fast as answered)",
    )
    parser.add_argument(
        "--database-url",
        help="an empty database for speakup (default: SQLite in a temporary directory)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="sample where speakup's threads spend the run"
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="run speakup without its outbox worker (to see what delivery costs the acks)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    configure_logging("WARNING", json=False)
    logging.getLogger("speakup.bolt").setLevel(logging.ERROR)
    logging.getLogger("bench.bare").setLevel(logging.ERROR)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth is 1"

    if args.threads or args.rate or args.submissions:
        scenarios: tuple[Scenario, ...] = (
            Scenario(
                "custom",
                submissions=args.submissions or 300,
                threads=args.threads or 8,
                rate=args.rate,
            ),
        )
    else:
        scenarios = SCENARIOS
    sampler = Sampler() if args.profile else None
    outcomes: list[Outcome] = []
    spawn = multiprocessing.get_context("spawn")
    with emulator_process() as api_url, ProcessPoolExecutor(1, mp_context=spawn) as pool:
        backend = "PostgreSQL" if args.database_url else "SQLite"
        print(f"speakup on {backend}; {multiprocessing.cpu_count()} CPUs; Slack allows 3000 ms")
        for scenario in scenarios:
            outcome = run_scenario(pool, api_url, scenario, args, sampler)
            outcomes.append(outcome)
            print(f"\n{scenario.name}: {scenario.describe()}")
            print(outcome.bare.line("bare Bolt"))
            print(outcome.speakup.line("speakup"))
            print(
                f"ratio      p50 {outcome.speakup.p50 / outcome.bare.p50:.2f}x   "
                f"p99 {outcome.ratio:.2f}x   ({outcome.verdict()}); outbox drained "
                f"{outcome.drained:.1f} s after the last acknowledgement"
            )

    print("\nscenario        bare p99   speakup p99   ratio   target: p99 within 1.5x of bare")
    for outcome in outcomes:
        print(
            f"{outcome.scenario.name:<14} {outcome.bare.p99 * 1000:7.1f} ms "
            f"{outcome.speakup.p99 * 1000:10.1f} ms  {outcome.ratio:5.2f}x   {outcome.verdict()}"
        )
    if sampler is not None:
        print(sampler.report())
    if args.json:
        report = {
            outcome.scenario.name: {"bare": vars(outcome.bare), "speakup": vars(outcome.speakup)}
            for outcome in outcomes
        }
        print(json.dumps(report))
    in_time = all(o.speakup.p99 < 3.0 and not o.speakup.failed for o in outcomes)
    return 0 if in_time else 1


if __name__ == "__main__":
    sys.exit(main())
