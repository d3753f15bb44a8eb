"""The `speakup` command run as operators run it: a child process, and `speakup serve`
listening on a free port with its settings in the environment."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.demo.simulator.web_api import SlackWebApiEmulator
from bot.slack.posted_lookup import METADATA_EVENT
from tests.support.harness import GUARDIAN_CHANNEL, KEY_A, SIGNING_SECRET


def speakup_command() -> list[str]:
    """The installed console script next to this interpreter, else the same entry point."""
    script = Path(sys.executable).with_name("speakup")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from bot.runtime.cli import main; main()"]


def run_speakup(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*speakup_command(), *args],
        env={"PATH": os.environ.get("PATH", ""), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    """What a one-off `speakup` command needs: its database and the encryption keys."""
    return {"DATABASE_URL": database_url, "SPEAKUP_ENCRYPTION_KEYS": KEY_A, **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_env(database_url: str, api_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "SPEAKUP_ENCRYPTION_KEYS": KEY_A,
        "SPEAKUP_GUARDIAN_CHANNEL": GUARDIAN_CHANNEL,
        "SPEAKUP_SAFEGUARDING_CHANNEL": "C0SAFEGUARD",
        "SPEAKUP_GUARDIANS": "U0GUARD1,U0GUARD2",
        "SPEAKUP_SAFEGUARDING_TEAM": "U0SAFE1",
        "SPEAKUP_OUTBOX_POLL_SECONDS": "0.2",
        "SPEAKUP_OUTBOX_BACKOFF_SECONDS": "0.05",
        "SPEAKUP_OUTBOX_BACKOFF_CAP": "0.5",
        "SPEAKUP_LOG_LEVEL": "INFO",
    }


@contextmanager
def serving(
    env: dict[str, str], port: int, logs: Path, *, socket_mode: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    """`speakup serve --http` (or in Socket Mode, with its probes on `port`) in a child
    process, ready to take requests; always killed."""
    mode = [] if socket_mode else ["--http"]
    with logs.open("ab") as log:
        process = subprocess.Popen(
            [*speakup_command(), "serve", *mode, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_ready(process, port, logs)
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(10)


def wait_ready(process: subprocess.Popen[bytes], port: int, logs: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"speakup serve exited early:\n{logs.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
                if json.loads(answer.read())["status"] == "ready":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"speakup serve never became ready:\n{logs.read_text()}")


def our_cards(emulator: SlackWebApiEmulator) -> list[dict[str, object]]:
    """Concern cards only (serve also posts the morning digest it finds missed on start)."""
    return [
        m
        for m in emulator.messages_in(GUARDIAN_CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT
        and str(m["metadata"].get("event_payload", {}).get("key", "")).startswith("card:")
    ]


def serve_settings(**changes: str) -> dict[str, str]:
    values = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "signing-secret",
        "SPEAKUP_GUARDIAN_CHANNEL": "C0GUARDIANS",
        "SPEAKUP_ENCRYPTION_KEYS": KEY_A,
        "DATABASE_URL": "sqlite:///speakup.db",
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value}


def assert_one_line_error(result: subprocess.CompletedProcess[str], *names: str) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for name in names:
        assert name in lines[0]
    assert lines[0].startswith("speakup: ")
    return lines[0]
