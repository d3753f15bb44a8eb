"""manifest.yml declares everything the app listens for and every scope it calls with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.slack.ids import Callback
from handlers.events import CHANNEL_BACK, CHANNEL_LOST, MEMBERSHIP, SUBSCRIBED

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def load() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text())
    assert isinstance(data, dict)
    return data


def test_manifest_declares_the_surfaces() -> None:
    manifest = load()
    features = manifest["features"]
    assert len(manifest["display_information"]["name"]) <= 35
    assert [c["command"] for c in features["slash_commands"]] == ["/speakup"]
    shortcuts = {s["callback_id"]: s for s in features["shortcuts"]}
    assert shortcuts[Callback.RAISE_SHORTCUT.value]["name"] == "Raise a concern"
    assert shortcuts[Callback.RAISE_SHORTCUT.value]["type"] == "global"
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    settings = manifest["settings"]
    assert {"app_home_opened", "message.im"} <= set(settings["event_subscriptions"]["bot_events"])
    assert settings["interactivity"]["is_enabled"] is True
    for url in (
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        features["slash_commands"][0]["url"],
    ):
        assert url.endswith("/slack/events")


def test_manifest_scopes_cover_every_web_api_method_the_app_calls() -> None:
    needed = {
        "chat.postMessage": "chat:write",
        "chat.update": "chat:write",
        "chat.postEphemeral": "chat:write",
        "conversations.open": "im:write",
        "conversations.history": "groups:history",  # outbox checks before re-posting
        "conversations.info": "groups:read",  # serve checks its channels at start-up
        "users.info": "users:read",
        "usergroups.users.list": "usergroups:read",
    }
    scopes = set(load()["oauth_config"]["scopes"]["bot"])
    assert {"commands", "im:history"} <= scopes
    assert set(needed.values()) <= scopes


def test_every_event_the_app_handles_is_subscribed_and_nothing_else() -> None:
    events = load()["settings"]["event_subscriptions"]["bot_events"]
    assert len(events) == len(set(events))
    assert set(events) == SUBSCRIBED
    # The team channels' news, which raises and clears delivery alarms, is among them.
    assert {*CHANNEL_LOST, *CHANNEL_BACK, *MEMBERSHIP} <= set(events)
    # app_rate_limited is a notice every app gets: it is no event to subscribe to.
    assert "app_rate_limited" not in events


def test_every_event_is_registered_with_the_scope_it_needs() -> None:
    scopes = set(load()["oauth_config"]["scopes"]["bot"])
    for event in load()["settings"]["event_subscriptions"]["bot_events"]:
        if event.startswith("channel_"):
            assert "channels:read" in scopes, event
        if event.startswith("group_"):
            assert "groups:read" in scopes, event
        if event.startswith("member_"):  # public and private team channels alike
            assert {"channels:read", "groups:read"} <= scopes, event
        if event == "message.im":
            assert "im:history" in scopes
