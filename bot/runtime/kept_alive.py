"""A Slack Web API client that keeps its HTTP connection open between calls.

slack_sdk's WebClient opens a new connection (and, against Slack, a new TLS session) for
every call through urllib, and says `Connection: close`. The outbox worker makes a call for
every card, DM and thread line, most of them in a rush right after people raise concerns,
which is when the process also has their answers to work out: a connection per call is CPU
taken from them. Here each thread keeps one connection per host and sends every call on it.

Only the transport changes. The request is the one slack_sdk built (headers, body, token),
and failures look exactly as they do through urllib, so slack_sdk's retry handlers and the
worker's error handling see nothing new: a non-2xx answer raises HTTPError, a failure to
connect or send raises URLError, and a failure while reading the answer is raised as it is.
A connection that failed, or has been idle longer than Slack is likely to keep it, is closed
and the next call opens a fresh one.
"""

from __future__ import annotations

import http.client
import io
import threading
import time
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

# Servers close idle connections after a while (often 60 s or more); reusing one they have
# just closed fails the call, so a connection idle this long is replaced instead.
IDLE_LIMIT = 30.0


class _Kept:
    __slots__ = ("connection", "last_used")

    def __init__(self, connection: http.client.HTTPConnection) -> None:
        self.connection = connection
        self.last_used = time.monotonic()


class KeptAliveWebClient(WebClient):
    """WebClient whose calls share one open connection per thread and host."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept = threading.local()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        connection = self._connection(parts.scheme, parts.netloc)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", target, body=req.data, headers=dict(req.header_items()))
        except OSError as exc:  # as urllib: a failure to connect or send is a URLError
            self._drop(parts.netloc)
            raise URLError(exc) from exc
        try:
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            self._drop(parts.netloc)
            raise
        if response.will_close:
            self._drop(parts.netloc)
        if not 200 <= response.status < 300:
            raise HTTPError(url, response.status, response.reason, response.msg, io.BytesIO(body))
        if response.msg.get_content_type() == "application/gzip":
            return {"status": response.status, "headers": response.msg, "body": body}
        charset = response.msg.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": response.msg, "body": body.decode(charset)}

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        kept: dict[str, _Kept] | None = getattr(self._kept, "by_host", None)
        if kept is None:
            kept = self._kept.by_host = {}
        entry = kept.get(netloc)
        now = time.monotonic()
        if entry is not None and now - entry.last_used > IDLE_LIMIT:
            entry.connection.close()
            entry = None
        if entry is None:
            connection: http.client.HTTPConnection
            if scheme == "https":
                connection = http.client.HTTPSConnection(
                    netloc, timeout=self.timeout, context=self.ssl
                )
            else:
                connection = http.client.HTTPConnection(netloc, timeout=self.timeout)
            entry = kept[netloc] = _Kept(connection)
        entry.last_used = now
        return entry.connection

    def _drop(self, netloc: str) -> None:
        kept: dict[str, _Kept] = getattr(self._kept, "by_host", {})
        entry = kept.pop(netloc, None)
        if entry is not None:
            entry.connection.close()
