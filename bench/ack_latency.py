"""How fast does speakup acknowledge a submitted concern under load, next to a bare Bolt app?

    .venv/bin/python bench/ack_latency.py [--submissions 300] [--threads 8] [--profile]

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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy import func, select
from waitress.server import create_server

from bot.context import AppContext, build_context
from bot.ids import Callback
from bot.logs import configure_logging
from bot.server import start_http
from bot.settings import Settings, load_settings
from bot.simulator.web_api import SlackWebApiEmulator
from bot.simulator.workspace import SlackWorkspace
from bot.taxonomy import ConcernKind
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


def serve_speakup(context: AppContext, *, with_worker: bool) -> Served:
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


# -- the suggested fix, to try before adopting it ---------------------------------------------


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

    @classmethod
    def of(cls, samples: Iterable[tuple[float, bool]]) -> Figures:
        answers = list(samples)
        ordered = sorted(elapsed for elapsed, _ in answers)
        return cls(
            count=len(ordered),
            failed=sum(1 for _, in_time in answers if not in_time),
            p50=percentile(ordered, 50),
            p99=percentile(ordered, 99),
            mean=statistics.fmean(ordered),
            worst=ordered[-1],
        )

    def line(self, name: str) -> str:
        ms = 1000
        return (
            f"{name:<10} n={self.count:<5} p50 {self.p50 * ms:7.1f} ms"
            f"   p99 {self.p99 * ms:7.1f} ms   mean {self.mean * ms:7.1f} ms"
            f"   max {self.worst * ms:7.1f} ms"
            + (f"   FAILED (no ack in 3 s, or an error): {self.failed}" if self.failed else "")
        )


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted samples."""
    rank = max(1, round(pct / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def measure(
    pool: ProcessPoolExecutor, url: str, view: dict[str, Any], args: argparse.Namespace, tag: str
) -> Figures:
    pool.submit(drive, url, view, 2 * args.threads, args.threads, f"W{tag}").result()  # warm up
    samples = pool.submit(drive, url, view, args.submissions, args.threads, tag, args.rate).result()
    return Figures.of(samples)


def pending(context: AppContext) -> int:
    with context.db.transaction() as session:
        count = session.scalar(
            select(func.count(OutboxItem.id)).where(OutboxItem.status == "pending")
        )
    return int(count or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
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

    spawn = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="speakup-bench-") as directory,
        emulator_process() as api_url,
        ProcessPoolExecutor(1, mp_context=spawn) as pool,
    ):
        database_url = args.database_url or f"sqlite:///{Path(directory) / 'bench.db'}"
        context = build_context(bench_settings(api_url, database_url))
        context.db.upgrade()
        view = raise_view(context, ConcernKind.SPEAK_UP)

        pace = f"at {args.rate:g}/s" if args.rate else "each thread sending as soon as answered"
        print(
            f"{args.submissions} view submissions per app from {args.threads} threads, {pace}; "
            f"{context.db.engine.dialect.name}" + f"; {multiprocessing.cpu_count()} CPUs"
        )
        bare = serve_bare_bolt(api_url)
        try:
            bare_figures = measure(pool, bare.url, view, args, "BARE")
        finally:
            bare.stop()
        print(bare_figures.line("bare Bolt"))

        speakup = serve_speakup(context, with_worker=not args.no_worker)
        sampler = Sampler() if args.profile else None
        try:
            if sampler is not None:
                with sampler:
                    speakup_figures = measure(pool, speakup.url, view, args, "SPEAKUP")
            else:
                speakup_figures = measure(pool, speakup.url, view, args, "SPEAKUP")
            started = time.monotonic()
            while not args.no_worker and pending(context) and time.monotonic() - started < 120:
                context.wake_outbox()
                time.sleep(0.2)
            drained = time.monotonic() - started
        finally:
            time.sleep(0.2)
            speakup.stop()
            context.db.dispose()
        print(speakup_figures.line("speakup"))
        print(
            f"ratio      p50 {speakup_figures.p50 / bare_figures.p50:.2f}x   "
            f"p99 {speakup_figures.p99 / bare_figures.p99:.2f}x   "
            f"(target: p99 within 1.5x of bare; Slack's limit is 3000 ms)"
        )
        print(f"outbox drained {drained:.1f} s after the last acknowledgement")

    if sampler is not None:
        print(sampler.report())
    if args.json:
        print(json.dumps({"bare": vars(bare_figures), "speakup": vars(speakup_figures)}))
    return 0 if speakup_figures.p99 < 3.0 and not speakup_figures.failed else 1


if __name__ == "__main__":
    sys.exit(main())
