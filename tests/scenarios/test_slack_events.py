"""Every Events API delivery gets HTTP 200, acted on or not (Slack disables event delivery for
an app that answers too many with anything else), and is logged by its type alone.

The payloads are shaped as Slack's Events API documentation shows them: the event_callback
envelope, a plain workspace install and an Enterprise Grid org-wide install, and the notices
that come without an inner event.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.runtime.logs import log_formatter
from handlers.events import NOTED_EVENTS, SUBSCRIBED
from tests.support.harness import GUARDIAN_CHANNEL, GUARDIANS, Harness
from tests.support.slack_events import APP, BOT_USER, ENTERPRISE, TEAM, deliver, envelope

GUARDIAN = GUARDIANS[0]
# How the service writes each record: one JSON object a line.
SERVICE_FORMAT = log_formatter(json=True)


EVENTS: dict[str, dict[str, Any]] = {
    "tokens_revoked": {"type": "tokens_revoked", "tokens": {"bot": [BOT_USER]}},
    "app_uninstalled": {"type": "app_uninstalled"},
    "member_left_channel": {
        "type": "member_left_channel",
        "user": GUARDIAN,
        "channel": GUARDIAN_CHANNEL,
        "channel_type": "G",
        "team": TEAM,
    },
    "channel_archive": {"type": "channel_archive", "channel": GUARDIAN_CHANNEL, "user": GUARDIAN},
    "channel_deleted": {"type": "channel_deleted", "channel": GUARDIAN_CHANNEL},
    "group_archive": {"type": "group_archive", "channel": "G0PRIVATE1", "user": GUARDIAN},
    "channel_left": {"type": "channel_left", "channel": GUARDIAN_CHANNEL, "actor_id": GUARDIAN},
    "channel_unarchive": {
        "type": "channel_unarchive",
        "channel": GUARDIAN_CHANNEL,
        "user": GUARDIAN,
    },
    "group_deleted": {"type": "group_deleted", "channel": "G0PRIVATE1"},
    "group_left": {"type": "group_left", "channel": "G0PRIVATE1", "actor_id": GUARDIAN},
    "group_unarchive": {"type": "group_unarchive", "channel": "G0PRIVATE1", "actor_id": GUARDIAN},
    "member_joined_channel": {
        "type": "member_joined_channel",
        "user": GUARDIAN,
        "channel": GUARDIAN_CHANNEL,
        "channel_type": "G",
        "team": TEAM,
        "inviter": GUARDIAN,
    },
    "emoji_changed": {"type": "emoji_changed", "subtype": "add", "name": "tada"},
    "brand_new_event_type": {"type": "brand_new_event_type", "user": GUARDIAN},
    "message_changed": {
        "type": "message",
        "subtype": "message_changed",
        "channel": GUARDIAN_CHANNEL,
        "hidden": True,
        "message": {"type": "message", "user": GUARDIAN, "text": "edited words"},
    },
}
NOTICES: dict[str, dict[str, Any]] = {
    "app_rate_limited": {
        "token": "verification-token-unused",
        "type": "app_rate_limited",
        "team_id": TEAM,
        "minute_rate_limited": 1_518_467_820,
        "api_app_id": APP,
    },
    "a_notice_from_the_future": {"type": "a_notice_from_the_future", "api_app_id": APP},
}


@pytest.mark.parametrize("grid", [False, True], ids=["workspace", "enterprise_grid"])
def test_every_event_slack_can_send_gets_a_200_and_a_content_free_log_line(
    harness: Harness, grid: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for number, (name, event) in enumerate(EVENTS.items()):
        assert deliver(harness, envelope(event, grid=grid, number=number)) == 200, name
        # Slack's retry of the same delivery is answered the same way.
        retry = harness.workspace.post_signed(
            json.dumps(envelope(event, grid=grid, number=number)),
            "application/json",
            headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
        )
        assert retry.status == 200, name
    for name, notice in NOTICES.items():
        body = {**notice, "enterprise_id": ENTERPRISE} if grid else notice
        assert deliver(harness, body) == 200, name
    harness.settle()

    lines = [
        json.loads(SERVICE_FORMAT.format(r)) for r in caplog.records if r.name == "handlers.events"
    ]
    noted = {line["type"] for line in lines if line["event"] == "event.noted"}
    assert noted >= {
        "tokens_revoked",
        "app_uninstalled",
        "member_left_channel",
        "channel_archive",
        "channel_deleted",
        "group_archive",
        "channel_left",
        "app_rate_limited",
    }
    assert noted <= set(NOTED_EVENTS)
    # Every event manifest.yml subscribes to reaches a listener that knows it.
    assert noted >= SUBSCRIBED - {"app_home_opened", "message.im"}
    unhandled = {line["type"] for line in lines if line["event"] == "event.unhandled"}
    assert {"emoji_changed", "brand_new_event_type", "a_notice_from_the_future"} <= unhandled
    for line in lines:  # the type and nothing else: no user, channel, team or text
        assert set(line) <= {"event", "type", "level", "timestamp", "logger"}, line
    everything = caplog.text
    assert "edited words" not in everything and "tada" not in everything


def test_an_event_of_a_type_no_one_knows_cannot_put_text_in_the_log(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    odd = "Riley Reporter says the rota is unsafe"
    assert deliver(harness, envelope({"type": odd}, grid=False, number=1)) == 200
    assert deliver(harness, {"type": odd, "api_app_id": APP}) == 200
    harness.settle()
    assert "Riley" not in caplog.text
    assert '"type": "other"' in "\n".join(SERVICE_FORMAT.format(r) for r in caplog.records)


def test_the_app_home_and_dms_still_reach_their_listeners(harness: Harness) -> None:
    assert harness.workspace.app_home_opened(GUARDIAN).status == 200
    assert harness.emulator.wait_for(lambda: harness.emulator.home_view(GUARDIAN) is not None, 5)
    assert harness.workspace.url_verification("challenge-123").json() == {
        "challenge": "challenge-123"
    }
