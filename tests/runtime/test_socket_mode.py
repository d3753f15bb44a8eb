"""`speakup serve` in Socket Mode: a concern raised over the socket is stored and carded."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.demo.simulator.socket_mode import SocketModeEndpoint
from bot.demo.simulator.web_api import SlackWebApiEmulator
from bot.demo.simulator.workspace import SlackWorkspace
from storage.db import Database
from storage.models import Concern
from tests.support.harness import REPORTER, SIGNING_SECRET, readiness, seed_directory
from tests.support.speakup_process import free_port, our_cards, run_speakup, serve_env, serving

APP_TOKEN = "xapp-test-app-token"


def socket_env(database_url: str, api_url: str) -> dict[str, str]:
    env = serve_env(database_url, api_url) | {"SLACK_APP_TOKEN": APP_TOKEN}
    del env["SLACK_SIGNING_SECRET"]  # Socket Mode has no request signatures to check
    return env


def readiness_on(port: int) -> tuple[int, dict[str, Any]]:
    return readiness(f"http://127.0.0.1:{port}")


def test_a_concern_raised_over_socket_mode_is_stored_and_carded(
    database_url: str, tmp_path: Path
) -> None:
    with SlackWebApiEmulator() as emulator, SocketModeEndpoint() as slack:
        seed_directory(emulator)
        emulator.enable_socket_mode(lambda: slack.url)
        port = free_port()
        workspace = SlackWorkspace(
            "http://127.0.0.1:9/unused", SIGNING_SECRET, emulator, socket_mode=slack
        )
        with serving(
            socket_env(database_url, emulator.base_url), port, tmp_path / "log", socket_mode=True
        ):
            assert slack.wait_for_connection(10)
            opened = emulator.calls_to("apps.connections.open")
            assert [call.token for call in opened] == [APP_TOKEN]

            before = len(emulator.opened_views())
            command = workspace.slash_command(REPORTER, "/speakup", "")
            assert command.status == 200
            assert emulator.wait_for(lambda: len(emulator.opened_views()) > before, 5)
            view = emulator.opened_views()[before].view
            answer = workspace.submit_view(
                REPORTER,
                view,
                {
                    "elements": ["patient_safety"],
                    "description": "Raised over the socket, never over HTTP",
                    "identity": "confidential",
                },
            )
            assert answer.status == 200
            assert answer.json()["response_action"] == "update"

            db = Database(database_url)
            try:
                with db.transaction() as session:
                    reference = session.scalars(select(Concern.reference)).one()
            finally:
                db.dispose()
            assert reference in json.dumps(answer.json()["view"])
            assert emulator.wait_for(lambda: len(our_cards(emulator)) == 1, 15)
            assert reference in json.dumps(our_cards(emulator)[0])
            assert readiness_on(port) == (200, {"status": "ready"})


def test_socket_mode_serves_probes_but_no_events_endpoint(
    database_url: str, tmp_path: Path
) -> None:
    with SlackWebApiEmulator() as emulator, SocketModeEndpoint() as slack:
        emulator.enable_socket_mode(lambda: slack.url)
        port = free_port()
        with serving(
            socket_env(database_url, emulator.base_url), port, tmp_path / "log", socket_mode=True
        ):
            assert slack.wait_for_connection(10)
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/slack/events", data=b"{}", method="POST"
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=5)
            assert refused.value.code == 404
            # Slack drops the connection and is briefly unreachable: readiness says so, and
            # the bot reconnects by itself once Slack answers again.
            assert readiness_on(port) == (200, {"status": "ready"})
            slack.drop_connection()
            assert emulator.wait_for(
                lambda: readiness_on(port) == (503, {"status": "not connected to Slack"}), 10
            )
            slack.accept_connections()
            assert emulator.wait_for(lambda: slack.connected, 30)
            assert emulator.wait_for(lambda: readiness_on(port)[0] == 200, 10)


def test_slack_unreachable_at_start_is_retried_until_it_answers(
    database_url: str, tmp_path: Path
) -> None:
    logs = tmp_path / "log"
    with SlackWebApiEmulator() as emulator, SocketModeEndpoint() as slack:
        emulator.enable_socket_mode(lambda: slack.url)
        emulator.fail_next("apps.connections.open", 2, status=503)
        port = free_port()
        with serving(socket_env(database_url, emulator.base_url), port, logs, socket_mode=True):
            assert slack.wait_for_connection(10)
            assert [c.status for c in emulator.calls_to("apps.connections.open")] == [503, 503, 200]
    assert logs.read_text().count("serve.socket_unreachable") == 2


def test_a_refused_app_token_stops_serve_with_one_line(database_url: str, tmp_path: Path) -> None:
    with SlackWebApiEmulator() as emulator, SocketModeEndpoint() as slack:
        emulator.enable_socket_mode(lambda: slack.url, token="xapp-test-other-token")
        finished = run_speakup(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(free_port()),
            env=socket_env(database_url, emulator.base_url),
            cwd=tmp_path,
        )
    assert finished.returncode == 2
    assert "Traceback" not in finished.stderr
    assert finished.stderr.strip().splitlines()[-1] == (
        "speakup: SLACK_APP_TOKEN was refused by Slack (invalid_auth): create an app-level "
        "token with the connections:write scope and set it again"
    )
    assert slack.connections == 0
