"""The outbox worker's Web API client keeps one connection open per thread, and fails
exactly as slack_sdk's own client does, so retries and the worker's handling are unchanged."""

from __future__ import annotations

import threading
import urllib.error
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.demo.simulator.web_api import SlackWebApiEmulator
from bot.runtime import kept_alive
from bot.runtime.kept_alive import KeptAliveWebClient
from tests.support.http_server import QuietHandler, serving


def clients(base_url: str) -> tuple[WebClient, KeptAliveWebClient]:
    """slack_sdk's client and ours, alike but for the transport (no retries: every failure
    shows)."""
    options: dict[str, Any] = {"token": "xoxb-test", "base_url": base_url, "timeout": 1}
    return WebClient(retry_handlers=[], **options), KeptAliveWebClient(retry_handlers=[], **options)


class _PeerRecorder(QuietHandler):
    """Answers every call `ok` and records which client port it came from."""

    protocol_version = "HTTP/1.1"
    peers: list[int] = []

    def do_POST(self) -> None:
        self.read_body()
        type(self).peers.append(self.client_address[1])
        body = b'{"ok": true, "channel": "C1", "ts": "1.1"}'
        self.answer(200, "application/json; charset=utf-8", body)


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[int]]]:
    peers: list[int] = []
    handler = type("Recorder", (_PeerRecorder,), {"peers": peers})
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as url:
        yield f"{url}/api/", peers


def test_calls_from_one_thread_share_one_connection(recorder: tuple[str, list[int]]) -> None:
    base_url, peers = recorder
    plain, kept = clients(base_url)
    for _ in range(3):
        plain.chat_postMessage(channel="C1", text="card")
    assert len(set(peers)) == 3  # slack_sdk's own client: a connection per call
    peers.clear()
    for _ in range(3):
        kept.chat_postMessage(channel="C1", text="card")
    assert len(peers) == 3 and len(set(peers)) == 1


def test_each_thread_has_its_own_connection(recorder: tuple[str, list[int]]) -> None:
    base_url, peers = recorder
    _, kept = clients(base_url)

    def post_twice() -> None:
        kept.chat_postMessage(channel="C1", text="card")
        kept.chat_postMessage(channel="C1", text="card")

    workers = [threading.Thread(target=post_twice) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(peers) == 4 and len(set(peers)) == 2


def test_an_idle_connection_is_replaced(
    recorder: tuple[str, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, peers = recorder
    _, kept = clients(base_url)
    clock = [100.0]
    monkeypatch.setattr(kept_alive.time, "monotonic", lambda: clock[0])
    kept.chat_postMessage(channel="C1", text="card")
    clock[0] += kept_alive.IDLE_LIMIT - 1
    kept.chat_postMessage(channel="C1", text="card")
    clock[0] += kept_alive.IDLE_LIMIT + 1
    kept.chat_postMessage(channel="C1", text="card")
    assert peers[0] == peers[1] != peers[2]


def test_answers_and_slack_errors_are_the_same_as_slack_sdks(emu: SlackWebApiEmulator) -> None:
    emu.add_channel("C0GUARD", "ftsu-guardians", is_private=True)
    for client in clients(emu.base_url):
        posted = client.chat_postMessage(channel="C0GUARD", text="card")
        assert posted["ok"] is True and posted["channel"] == "C0GUARD"
        assert posted.status_code == 200 and posted.headers["Content-Type"].startswith(
            "application/json"
        )
        emu.fail_next("chat.postMessage", 1, error="channel_not_found")
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel="C0GUARD", text="card")
        assert refused.value.response["error"] == "channel_not_found"


@pytest.mark.parametrize("status", [429, 500, 503])
def test_http_failures_are_the_same_as_slack_sdks(emu: SlackWebApiEmulator, status: int) -> None:
    seen = []
    for client in clients(emu.base_url):
        emu.fail_next("chat.postMessage", 1, status=status, retry_after=7)
        with pytest.raises(SlackApiError) as failed:
            client.chat_postMessage(channel="C1", text="card")
        response = failed.value.response
        seen.append((response.status_code, response.headers.get("Retry-After"), response.data))
        # The connection is usable afterwards.
        assert client.chat_postMessage(channel="C1", text="card")["ok"] is True
    assert seen[0] == seen[1]
    assert seen[0][0] == status


def test_slack_down_and_back_reconnects(emu: SlackWebApiEmulator) -> None:
    _, kept = clients(emu.base_url)
    assert kept.chat_postMessage(channel="C1", text="before")["ok"] is True
    emu.go_offline("refuse")  # the connection kept open is cut as well
    with pytest.raises(urllib.error.URLError):
        kept.chat_postMessage(channel="C1", text="during")
    emu.come_online()
    assert kept.chat_postMessage(channel="C1", text="after")["ok"] is True
    texts = [call.params.get("text") for call in emu.calls_to("chat.postMessage")]
    assert texts == ["before", "after"]


def test_an_answer_never_sent_fails_as_with_slack_sdk(emu: SlackWebApiEmulator) -> None:
    errors = []
    for client in clients(emu.base_url):
        emu.go_offline("drop")
        with pytest.raises(Exception) as dropped:
            client.chat_postMessage(channel="C1", text="dropped")
        errors.append(type(dropped.value))
        emu.come_online()
        assert client.chat_postMessage(channel="C1", text="after")["ok"] is True
    assert errors[0] is errors[1]


def test_a_hang_times_out_and_the_next_call_gets_a_fresh_connection(
    emu: SlackWebApiEmulator,
) -> None:
    _, kept = clients(emu.base_url)
    kept.chat_postMessage(channel="C1", text="before")
    emu.hang()
    with pytest.raises(TimeoutError):
        kept.chat_postMessage(channel="C1", text="held")
    emu.release()
    assert kept.chat_postMessage(channel="C1", text="after")["ok"] is True


def test_the_workers_client_is_the_kept_alive_one() -> None:
    from bot.runtime.clients import build_web_client
    from bot.runtime.settings import Settings

    client = build_web_client(Settings(slack_bot_token="xoxb-test"))
    assert isinstance(client, KeptAliveWebClient)
    assert client.retry_handlers  # slack_sdk's retry of a failed connection is kept


class _ProxyRecorder(QuietHandler):
    """A forward proxy's side of a call: answers `ok` and records the URL it was asked for."""

    targets: list[str] = []

    def do_POST(self) -> None:
        self.read_body()
        type(self).targets.append(self.path)
        self.answer(200, "application/json; charset=utf-8", b'{"ok": true}')


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "http_proxy"])
def test_behind_a_proxy_calls_go_through_it(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    """A trust's network may only reach Slack through its proxy: the proxy settings slack_sdk
    honours are honoured here too (by leaving such calls to slack_sdk's own transport)."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    targets: list[str] = []
    handler = type("Proxy", (_ProxyRecorder,), {"targets": targets})
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as proxy_url:
        monkeypatch.setenv(variable, proxy_url)
        # A host that does not resolve: only the proxy can carry the call.
        client = KeptAliveWebClient(
            token="xoxb-test", base_url="http://slack.invalid/api/", retry_handlers=[]
        )
        assert client.chat_postMessage(channel="C1", text="card")["ok"] is True
    assert targets == ["http://slack.invalid/api/chat.postMessage"]
