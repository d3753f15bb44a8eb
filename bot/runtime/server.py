"""Running the bot: HTTP on waitress (a production WSGI server) or Socket Mode."""

from __future__ import annotations

import errno
import gc
import signal
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from waitress.server import create_server

from bot.domain.clock import add_working_days, utcnow
from bot.jobs.scheduler import start_scheduler
from bot.runtime.bolt_app import build_bolt_app
from bot.runtime.clients import build_web_client
from bot.runtime.context import Service
from bot.runtime.identity import REFUSED_TOKEN
from bot.runtime.logs import get_logger
from bot.runtime.settings import SettingsError
from bot.runtime.web import MAX_BODY_BYTES, create_wsgi_app
from bot.slack.answering import QUIET, Answering
from bot.slack.delivery import OutboxWorker
from storage.db import CHECKPOINT_SECONDS, Checkpoints, Database

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

log = get_logger(__name__)

# How long a checkpoint waits for a lull in Slack's requests. Under sustained load one still
# runs every couple of seconds, and SQLite's own checkpoint (storage.db.AUTOCHECKPOINT_PAGES)
# stays the bound on the log.
CHECKPOINT_PATIENCE = 1.0
# waitress answers 413 itself, without reading the body, to a request declaring this or more
# (and stops reading a chunked one there); bot.runtime.web checks the same limit again.
MAX_REQUEST_BODY = MAX_BODY_BYTES + 1


@dataclass
class RunningServer:
    """An HTTP server on a background thread (tests, the demo and benchmarks use it)."""

    context: Service
    port: int
    worker: OutboxWorker | None
    _server: object
    _thread: threading.Thread
    _closing: threading.Event
    _checkpoints: Checkpoints

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self._closing.set()
        self._server.close()  # type: ignore[attr-defined]
        self._thread.join(5)
        self._checkpoints.stop()
        gc.unfreeze()  # what start-up left behind may be garbage now (tests start many)


def start_http(
    context: Service,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    with_worker: bool = True,
    listener_executor: Executor | None = None,
) -> RunningServer:
    """Start the app over HTTP in this process; port 0 picks a free one."""
    closing = threading.Event()
    context.identity.start(closing)
    app = create_wsgi_app(context, build_bolt_app(context, listener_executor))
    server = create_server(
        app,
        host=host,
        port=port,
        threads=8,
        ident="speakup",
        max_request_body_size=MAX_REQUEST_BODY,
    )

    def run() -> None:
        try:
            server.run()
        except OSError:
            if not closing.is_set():  # closing the socket under select() is expected on stop
                raise

    thread = threading.Thread(target=run, name="http-server", daemon=True)
    thread.start()
    worker = None
    if with_worker:
        worker = OutboxWorker(context, build_web_client(context.settings), context.answering)
        worker.start()
    port = int(server.effective_port)  # type: ignore[union-attr]
    checkpoints = start_checkpoints(context.db, context.answering)
    settle(context)
    return RunningServer(context, port, worker, server, thread, closing, checkpoints)


def start_checkpoints(
    db: Database,
    answering: Answering,
    *,
    every: float = CHECKPOINT_SECONDS,
    patience: float = CHECKPOINT_PATIENCE,
) -> Checkpoints:
    """SQLite checkpoints in the background, each in a lull between answers if one comes
    within `patience` seconds."""
    return db.checkpoints(every, lull=lambda: answering.step_aside(patience, QUIET))


def settle(context: Service) -> None:
    """Make the process ready for its first answer, then take what start-up built (modules,
    the app, the database engine) out of the garbage collector's way.

    The bank-holiday calendar loads on first use, some 50 ms: here, not in someone's first
    concern.

    A full collection walks every tracked object; with the libraries loaded that is over
    100 000 of them, and it stops every thread for 30 to 100 ms, answers included. Frozen,
    they are skipped, so a full collection looks only at what requests have made since.
    """
    add_working_days(utcnow(), 1, context.policy.timezone)
    gc.collect()
    gc.freeze()


def bind_listener(host: str, port: int) -> socket.socket:
    """The server's socket, bound (not yet listening) so `serve` can be refused a port before
    it touches the database; SettingsError in one line when the port cannot be had."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        raise SettingsError(f"--host {host!r} is not an address this machine has") from None
    listener = socket.socket(family, kind, proto)
    # As waitress does: a restart may reuse the port while old connections linger in TIME_WAIT.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise SettingsError(
                f"PORT {port} is already in use on {host}: stop whatever listens there, or "
                "set PORT (or --port) to a free port"
            ) from None
        if exc.errno == errno.EACCES:
            raise SettingsError(
                f"PORT {port} needs privileges this user lacks: use a port above 1023"
            ) from None
        raise SettingsError(f"cannot listen on {host} port {port}: {exc.strerror}") from None
    return listener


def serve(context: Service, *, socket_mode: bool, listener: socket.socket) -> None:
    """Run until SIGTERM or SIGINT: the outbox worker plus Socket Mode or the HTTP server,
    on `listener` (see bind_listener)."""
    host, port = listener.getsockname()[:2]
    worker = OutboxWorker(context, build_web_client(context.settings), context.answering)
    worker.start()
    scheduler = start_scheduler(context, worker.owner)
    checkpoints = start_checkpoints(context.db, context.answering)
    stopping = threading.Event()
    # Who the bot is, from auth.test: once now, then in the background until Slack answers.
    context.identity.start(stopping)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("serve.stopping", signal=signum)
        stopping.set()

    handler = None
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(build_bolt_app(context), context.settings.slack_app_token)
        # Slack's requests come over the socket; HTTP serves only the probes, so a container
        # health check works the same in both modes and readiness reports the connection.
        app = create_wsgi_app(context, None, connected=handler.client.is_connected)
        log.info("serve.socket_mode", probes_host=host, probes_port=port)
    else:
        app = create_wsgi_app(context, build_bolt_app(context))
        log.info("serve.http", host=host, port=port)
    server = create_server(
        app,
        sockets=[listener],
        threads=8,
        ident="speakup",
        max_request_body_size=MAX_REQUEST_BODY,
    )
    refused: list[str] = []

    def _close(signum: int, frame: FrameType | None) -> None:
        _stop(signum, frame)
        server.close()

    def _token_refused(why: str) -> None:
        refused.append(why)
        stopping.set()
        server.close()

    if handler is not None:
        threading.Thread(
            target=_connect_socket,
            args=(handler, stopping, _token_refused),
            name="socket-mode-connect",
            daemon=True,
        ).start()

    signal.signal(signal.SIGTERM, _close)
    signal.signal(signal.SIGINT, _close)
    settle(context)
    try:
        server.run()
    except OSError:
        if not stopping.is_set():
            raise
    if handler is not None:
        handler.close()  # type: ignore[no-untyped-call]
    scheduler.shutdown(wait=False)
    worker.stop()
    checkpoints.stop()
    if refused:
        raise SettingsError(refused[0])


def _connect_socket(
    handler: SocketModeHandler, stopping: threading.Event, token_refused: Callable[[str], None]
) -> None:
    """Open the Socket Mode connection, retrying while Slack cannot be reached.

    slack_sdk reconnects by itself only once a first connection has been made; until then
    the probes say "not connected to Slack" and this keeps trying. A token Slack refuses is
    a setting to fix, not an outage: serve stops with one line saying so.
    """
    delay = 1.0
    while not stopping.is_set():
        try:
            # A fresh URL each try: the one Slack handed out last time may have expired.
            handler.client.connect_to_new_endpoint(force=True)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or f"http_{exc.response.status_code}")
            if error in REFUSED_TOKEN:
                token_refused(
                    f"SLACK_APP_TOKEN was refused by Slack ({error}): create an app-level "
                    "token with the connections:write scope and set it again"
                )
                return
            log.warning("serve.socket_unreachable", error=error, retry_in=delay)
        except Exception as exc:  # Slack unreachable: DNS, TLS, connection refused, ...
            log.warning("serve.socket_unreachable", error=type(exc).__name__, retry_in=delay)
        else:
            log.info("serve.socket_connected")
            return
        stopping.wait(delay)
        delay = min(delay * 2, 60.0)
