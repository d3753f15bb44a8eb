"""A socket server on a daemon thread: how each of the simulator's Slack endpoints runs."""

from __future__ import annotations

import socketserver
import threading
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


class BackgroundServer(ABC):
    """`start()` binds a port and serves on a daemon thread, `stop()` frees it; also a
    context manager. Subclasses say how to build their server in `_bind`."""

    def __init__(self, thread_name: str) -> None:
        self._thread_name = thread_name
        self._server: socketserver.TCPServer | None = None
        self._thread: threading.Thread | None = None

    @abstractmethod
    def _bind(self) -> socketserver.TCPServer:
        """A server bound to a free local port, not yet serving."""

    def start(self) -> Self:
        """Bind a free port and serve in a daemon thread."""
        if self._server is not None:
            return self
        server = self._bind()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self._thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def _address(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError(f"{self._thread_name} is not running; call start() first")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
