"""Running the bot: HTTP on waitress (a production WSGI server) or Socket Mode."""

from __future__ import annotations

import signal
import threading
from concurrent.futures import Executor
from dataclasses import dataclass
from types import FrameType

from waitress.server import create_server

from bot.context import AppContext
from bot.delivery import OutboxWorker
from bot.logs import get_logger
from bot.scheduler import start_scheduler
from bot.slack_app import build_bolt_app, build_web_client
from bot.web import create_wsgi_app

log = get_logger(__name__)


@dataclass
class RunningServer:
    """An HTTP server on a background thread (tests, the demo and benchmarks use it)."""

    context: AppContext
    port: int
    worker: OutboxWorker | None
    _server: object
    _thread: threading.Thread
    _closing: threading.Event

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self._closing.set()
        self._server.close()  # type: ignore[attr-defined]
        self._thread.join(5)


def start_http(
    context: AppContext,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    with_worker: bool = True,
    listener_executor: Executor | None = None,
) -> RunningServer:
    """Start the app over HTTP in this process; port 0 picks a free one."""
    app = create_wsgi_app(build_bolt_app(context, listener_executor), context.db, context.answering)
    server = create_server(app, host=host, port=port, threads=8, ident="speakup")
    closing = threading.Event()

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
        worker = OutboxWorker(context, build_web_client(context.settings))
        worker.start()
    return RunningServer(context, int(server.effective_port), worker, server, thread, closing)  # type: ignore[union-attr]


def serve(context: AppContext, *, socket_mode: bool, host: str, port: int) -> None:
    """Run until SIGTERM or SIGINT: the outbox worker plus Socket Mode or the HTTP server."""
    worker = OutboxWorker(context, build_web_client(context.settings))
    worker.start()
    scheduler = start_scheduler(context, worker.owner)
    stopping = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("serve.stopping", signal=signum)
        stopping.set()

    handler = None
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(build_bolt_app(context), context.settings.slack_app_token)
        handler.connect()  # type: ignore[no-untyped-call]
        # Slack's requests come over the socket; HTTP serves only the probes, so a container
        # health check works the same in both modes and readiness reports the connection.
        app = create_wsgi_app(None, context.db, connected=handler.client.is_connected)
        log.info("serve.socket_mode", probes_host=host, probes_port=port)
    else:
        app = create_wsgi_app(build_bolt_app(context), context.db, context.answering)
        log.info("serve.http", host=host, port=port)
    server = create_server(app, host=host, port=port, threads=8, ident="speakup")

    def _close(signum: int, frame: FrameType | None) -> None:
        _stop(signum, frame)
        server.close()

    signal.signal(signal.SIGTERM, _close)
    signal.signal(signal.SIGINT, _close)
    try:
        server.run()
    except OSError:
        if not stopping.is_set():
            raise
    if handler is not None:
        handler.close()  # type: ignore[no-untyped-call]
    scheduler.shutdown(wait=False)
    worker.stop()
