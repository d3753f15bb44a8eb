"""docker-compose.yml runs PostgreSQL, a one-shot migration and two replicas behind a proxy,
with settings from speakup.env, whose committed example documents every setting."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
EXAMPLE = ROOT / "speakup.env.example"
SECRETS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SPEAKUP_ENCRYPTION_KEYS")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def command_of(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def env_files(service: dict[str, Any]) -> list[str]:
    files = service.get("env_file", [])
    files = [files] if isinstance(files, str | dict) else files
    return [f["path"] if isinstance(f, dict) else f for f in files]


def test_the_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"db", "upgrade", "app", "proxy"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert command_of(services["upgrade"]) == "speakup db upgrade"
    assert services["upgrade"]["restart"] == "no"
    assert command_of(services["app"]).startswith("speakup serve --http")
    assert "--no-migrate" in command_of(services["app"])  # the upgrade service migrates


def test_two_replicas_start_after_a_successful_upgrade(compose: dict[str, Any]) -> None:
    services = compose["services"]
    app = services["app"]
    assert app["deploy"]["replicas"] == 2
    assert "ports" not in app  # only the proxy is published; replicas cannot share a host port
    assert app["depends_on"]["upgrade"]["condition"] == "service_completed_successfully"
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["upgrade"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["proxy"]["depends_on"]["app"]["condition"] == "service_healthy"


def test_health_checks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("db", "app", "proxy"):
        assert services[name]["healthcheck"]["test"], name
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "/healthz" in " ".join(services["app"]["healthcheck"]["test"])
    assert "/healthz" in " ".join(services["proxy"]["healthcheck"]["test"])


def test_the_database_lives_in_a_named_volume(compose: dict[str, Any]) -> None:
    mounts = compose["services"]["db"]["volumes"]
    named = [m.split(":")[0] for m in mounts if not m.startswith((".", "/"))]
    assert named and named[0] in compose["volumes"]
    assert any(m.endswith(":/var/lib/postgresql/data") for m in mounts)


def test_the_shred_keys_live_in_their_own_named_volume(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    where = app["environment"]["SPEAKUP_SHRED_KEY_DIR"]
    assert f"speakup-shred-keys:{where}" in app["volumes"]
    assert "speakup-shred-keys" in compose["volumes"]


def test_settings_come_from_speakup_env(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("upgrade", "app"):
        assert env_files(services[name]) == ["speakup.env"], name
        url = services[name]["environment"]["DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
    # The database container gets its password, not the Slack secrets.
    assert not env_files(services["db"])


def test_the_proxy_spreads_requests_over_the_replicas(compose: dict[str, Any]) -> None:
    proxy = compose["services"]["proxy"]
    mounted = [m.split(":")[0] for m in proxy["volumes"]]
    config_file = ROOT / next(m for m in mounted if m.startswith("./"))
    config = config_file.read_text(encoding="utf-8")
    assert re.search(r"dynamic a app 3000", config)
    assert "respond /metrics 404" in config  # scraped per replica, not through the door


def test_the_example_documents_every_setting_and_holds_no_secret() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    assignments = dict(
        line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")
    )
    documented = set(assignments)
    expected = {name.upper() for name in Settings.model_fields} | {"PORT", "SPEAKUP_CONFIG"}
    assert expected <= documented, f"undocumented: {sorted(expected - documented)}"
    assert documented <= expected, f"not settings: {sorted(documented - expected)}"
    for name in SECRETS:
        assert assignments[name] == "", f"{name} must be empty in the example"
    text = "\n".join(lines)
    assert not re.search(r"xox[bpa]-[0-9A-Za-z]|xapp-1-", text)
    # Every documented line is preceded by a comment saying what it is.
    for number, line in enumerate(lines):
        if line and not line.startswith("#"):
            above = [ln for ln in lines[:number] if ln.strip()]
            assert above and (above[-1].startswith("#") or "=" in above[-1]), line


def test_secrets_stay_out_of_git_and_the_image() -> None:
    assert "speakup.env" in (ROOT / ".gitignore").read_text().split()
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "*.env" in ignored and ".env" in ignored


def test_docker_compose_accepts_it(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker binary")
    probe = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, timeout=30, check=False
    )
    if probe.returncode != 0:
        pytest.skip("docker has no compose plugin")
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    shutil.copy(EXAMPLE, tmp_path / "speakup.env")
    result = subprocess.run(
        [docker, "compose", "config", "-q"],
        cwd=tmp_path,
        env={**os.environ, "SPEAKUP_DB_PASSWORD": "not-a-real-password"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
