"""The Slack stand-in on its own: the Web API emulator and the workspace driver."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.demo.simulator.web_api import SlackWebApiEmulator
from bot.demo.simulator.workspace import SlackWorkspace, find_button, view_state_values
from tests.support.http_server import QuietHandler, serving
from tests.support.input_blocks import choices, input_block, plain_text

SECRET = "test-signing-secret"


@pytest.fixture
def client(emu: SlackWebApiEmulator) -> WebClient:
    # No retry handlers: the tests want to see every failure.
    return WebClient(token="xoxb-test", base_url=emu.base_url, retry_handlers=[])


# -- a stand-in app that checks signatures the way Bolt does ---------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: str

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body, keep_blank_values=True).items()}

    def payload(self) -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(self.form()["payload"]))

    def json(self) -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(self.body))


@dataclass
class RecordingApp:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    reply: str = ""


class _AppServer(ThreadingHTTPServer):
    daemon_threads = True
    app: RecordingApp


class _AppHandler(QuietHandler):
    def do_POST(self) -> None:
        app = cast(_AppServer, self.server).app
        body = self.read_body().decode()
        verifier = SignatureVerifier(SECRET)
        valid = verifier.is_valid(
            body=body,
            timestamp=self.headers.get("X-Slack-Request-Timestamp", ""),
            signature=self.headers.get("X-Slack-Signature", ""),
        )
        status, answer = (200, app.reply) if valid else (401, "invalid signature")
        if valid:
            app.received.append(Received(dict(self.headers.items()), body))
        content_type = "application/json" if answer[:1] == "{" else "text/plain"
        self.answer(status, content_type, answer.encode())


@pytest.fixture
def app() -> Iterator[RecordingApp]:
    server = _AppServer(("127.0.0.1", 0), _AppHandler)
    server.app = recording = RecordingApp()
    with serving(server) as url:
        recording.url = f"{url}/slack/events"
        yield recording


@pytest.fixture
def ws(app: RecordingApp, emu: SlackWebApiEmulator) -> SlackWorkspace:
    return SlackWorkspace(app.url, SECRET, emu)


CARD_BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*FTSU-0001* new concern"}},
    {
        "type": "actions",
        "block_id": "card_actions",
        "elements": [
            {
                "type": "button",
                "action_id": "concern_ack",
                "text": {"type": "plain_text", "text": "Acknowledge"},
                "value": "c-1",
            },
            {
                "type": "button",
                "action_id": "concern_view",
                "text": {"type": "plain_text", "text": "View details"},
                "value": "c-1",
            },
        ],
    },
]


def _option(value: str) -> dict[str, Any]:
    return {"text": plain_text(value.title()), "value": value}


RAISE_VIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "raise_concern",
    "private_metadata": '{"v": 1}',
    "title": plain_text("Raise a concern"),
    "submit": plain_text("Submit"),
    "blocks": [
        input_block(
            "description",
            "What happened?",
            {"type": "plain_text_input", "action_id": "text", "multiline": True},
        ),
        input_block(
            "identity",
            "How identifiable?",
            choices(
                "radio_buttons",
                "mode",
                [_option("open"), _option("confidential"), _option("anonymous")],
            ),
        ),
        input_block(
            "elements",
            "Elements",
            choices(
                "multi_static_select",
                "elements",
                [_option("patient_safety"), _option("bullying"), _option("other")],
            ),
        ),
        input_block(
            "group",
            "Professional group",
            {
                "type": "static_select",
                "action_id": "choice",
                "option_groups": [
                    {
                        "label": plain_text("Clinical"),
                        "options": [_option("paramedic"), _option("call_handler")],
                    }
                ],
            },
            optional=True,
        ),
        input_block(
            "site",
            "Site",
            {"type": "plain_text_input", "action_id": "text", "initial_value": "HQ"},
            optional=True,
        ),
        input_block(
            "flags",
            "Flags",
            choices("checkboxes", "flags", [_option("detriment"), _option("danger")]),
            optional=True,
        ),
        input_block(
            "witness", "Witness", {"type": "users_select", "action_id": "user"}, optional=True
        ),
        input_block("when", "When", {"type": "datepicker", "action_id": "date"}, optional=True),
    ],
}


# -- Web API emulator --------------------------------------------------------------------


def test_auth_test_answers_like_slack(client: WebClient) -> None:
    response = client.auth_test()
    assert response["team_id"] == "T0SPEAKUP"
    assert response["user_id"] == "U0BOT"
    assert response["bot_id"] == "B0BOT"
    assert "chat:write" in response.headers["X-OAuth-Scopes"]


def test_post_update_and_history_with_metadata(emu: SlackWebApiEmulator, client: WebClient) -> None:
    metadata = {"event_type": "concern_card", "event_payload": {"ref": "FTSU-0001"}}
    first = client.chat_postMessage(
        channel="C0GUARD", text="New concern", blocks=CARD_BLOCKS, metadata=metadata
    )
    second = client.chat_postMessage(channel="C0GUARD", text="Another")
    assert first["channel"] == "C0GUARD"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == CARD_BLOCKS

    client.chat_update(channel="C0GUARD", ts=first["ts"], text="Acknowledged")
    stored = emu.messages_in("C0GUARD")
    assert [m["text"] for m in stored] == ["Acknowledged", "Another"]
    assert stored[0]["blocks"] == CARD_BLOCKS  # left out of the update, so kept

    plain = client.conversations_history(channel="C0GUARD", limit=10)
    assert [m["ts"] for m in plain["messages"]] == [second["ts"], first["ts"]]
    assert "metadata" not in plain["messages"][1]
    assert plain["has_more"] is False
    rich = client.conversations_history(channel="C0GUARD", include_all_metadata=True)
    assert rich["messages"][1]["metadata"] == metadata

    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel="C0GUARD", ts="1.000001", text="x")
    assert missing.value.response["error"] == "message_not_found"


def test_form_encoded_blocks_are_parsed(emu: SlackWebApiEmulator, client: WebClient) -> None:
    client.api_call(
        "chat.postMessage",
        params={"channel": "C0GUARD", "text": "t", "blocks": json.dumps(CARD_BLOCKS)},
    )
    assert emu.calls_to("chat.postMessage")[0].params["blocks"] == CARD_BLOCKS
    assert emu.messages_in("C0GUARD")[0]["blocks"] == CARD_BLOCKS


def test_threads(emu: SlackWebApiEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0GUARD", text="card")
    client.chat_postMessage(channel="C0GUARD", text="note 1", thread_ts=parent["ts"])
    client.chat_postMessage(channel="C0GUARD", text="note 2", thread_ts=parent["ts"])
    assert [m["text"] for m in emu.messages_in("C0GUARD")] == ["card"]
    assert [m["text"] for m in emu.thread_replies("C0GUARD", parent["ts"])] == ["note 1", "note 2"]
    replies = client.conversations_replies(channel="C0GUARD", ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["card", "note 1", "note 2"]
    assert replies["messages"][0]["reply_count"] == 2


def test_dm_to_user_lands_in_their_im_channel(emu: SlackWebApiEmulator, client: WebClient) -> None:
    opened = client.conversations_open(users="U0ALICE")
    im = opened["channel"]["id"]
    assert im.startswith("D")
    assert client.conversations_open(users="U0ALICE")["channel"]["id"] == im
    assert client.conversations_open(users="U0BOB")["channel"]["id"] != im
    posted = client.chat_postMessage(channel="U0ALICE", text="Your concern was received")
    assert posted["channel"] == im
    assert [m["text"] for m in emu.messages_in(im)] == ["Your concern was received"]
    assert emu.messages_in("U0ALICE") == emu.messages_in(im)


def test_deleted_channel_is_a_permanent_error(emu: SlackWebApiEmulator, client: WebClient) -> None:
    emu.delete_channel("C0GONE")
    with pytest.raises(SlackApiError) as failure:
        client.chat_postMessage(channel="C0GONE", text="hello")
    assert failure.value.response["error"] == "channel_not_found"
    assert emu.calls_to("chat.postMessage")[0].error == "channel_not_found"


def test_views_open_triggers_are_single_use_and_expire(
    emu: SlackWebApiEmulator, client: WebClient
) -> None:
    emu.register_trigger("111.222.fresh", "U0ALICE")
    opened = client.views_open(trigger_id="111.222.fresh", view=RAISE_VIEW)
    view = opened["view"]
    assert view["id"].startswith("V")
    assert view["hash"] and view["state"] == {"values": {}}
    assert view["root_view_id"] == view["id"] and view["previous_view_id"] is None
    assert emu.last_view("U0ALICE") == view
    assert emu.opened_views()[0].method == "views.open"

    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id="111.222.fresh", view=RAISE_VIEW)
    assert reused.value.response["error"] == "exchanged_trigger_id"

    emu.register_trigger("111.222.stale", "U0ALICE", minted_at=time.monotonic() - 5)
    with pytest.raises(SlackApiError) as stale:
        client.views_open(trigger_id="111.222.stale", view=RAISE_VIEW)
    assert stale.value.response["error"] == "expired_trigger_id"

    invented = client.views_open(trigger_id="invented-by-a-test", view=RAISE_VIEW)
    assert emu.opened_views()[-1].user_id is None
    assert emu.view_by_id(invented["view"]["id"]) is not None


def test_views_update_push_and_publish(emu: SlackWebApiEmulator, client: WebClient) -> None:
    emu.register_trigger("t.1.a", "U0ALICE")
    root = client.views_open(trigger_id="t.1.a", view=RAISE_VIEW)["view"]
    done = {**RAISE_VIEW, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "ok"}}]}
    with pytest.raises(SlackApiError) as conflict:
        client.views_update(view_id=root["id"], view=done, hash="stale-hash")
    assert conflict.value.response["error"] == "hash_conflict"
    updated = client.views_update(view_id=root["id"], view=done, hash=root["hash"])["view"]
    assert updated["id"] == root["id"] and updated["hash"] != root["hash"]

    emu.register_trigger("t.1.b", "U0ALICE")
    pushed = client.views_push(trigger_id="t.1.b", view=RAISE_VIEW)["view"]
    assert pushed["previous_view_id"] == root["id"]
    assert [v.method for v in emu.opened_views()] == ["views.open", "views.update", "views.push"]
    assert [v["id"] for v in emu.view_stack("U0ALICE")] == [root["id"], pushed["id"]]

    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    first = client.views_publish(user_id="U0ALICE", view=home)["view"]
    again = client.views_publish(user_id="U0ALICE", view=home)["view"]
    assert first["id"] == again["id"]
    assert emu.home_view("U0ALICE") == again
    assert emu.home_view("U0BOB") is None


def test_invalid_blocks_are_refused_like_slack(client: WebClient) -> None:
    too_long = [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "b",
                    "text": {"type": "plain_text", "text": "x" * 80},
                }
            ],
        }
    ]
    with pytest.raises(SlackApiError) as bad_message:
        client.chat_postMessage(channel="C0GUARD", text="t", blocks=too_long)
    assert bad_message.value.response["error"] == "invalid_blocks"

    no_submit = {key: value for key, value in RAISE_VIEW.items() if key != "submit"}
    with pytest.raises(SlackApiError) as bad_view:
        client.views_open(trigger_id="x.y.z", view=no_submit)
    assert bad_view.value.response["error"] == "invalid_arguments"


def test_fail_next_runs_faults_in_order_and_changes_nothing(
    emu: SlackWebApiEmulator, client: WebClient
) -> None:
    emu.fail_next("chat.postMessage", 2, 500)
    emu.fail_next("chat.postMessage", 1, 429, retry_after=7)
    for _ in range(2):
        with pytest.raises(SlackApiError) as server_error:
            client.chat_postMessage(channel="C0GUARD", text="card")
        assert server_error.value.response.status_code == 500
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C0GUARD", text="card")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert limited.value.response["error"] == "ratelimited"
    assert emu.messages_in("C0GUARD") == []

    client.chat_postMessage(channel="C0GUARD", text="card")
    assert [c.status for c in emu.calls_to("chat.postMessage")] == [500, 500, 429, 200]
    assert len(emu.messages_in("C0GUARD")) == 1


def test_auth_header_is_required(emu: SlackWebApiEmulator) -> None:
    anonymous = WebClient(base_url=emu.base_url, retry_handlers=[])
    with pytest.raises(SlackApiError) as failure:
        anonymous.auth_test()
    assert failure.value.response.data == {"ok": False, "error": "not_authed"}
    assert emu.calls[0].token is None and not emu.calls[0].ok


def test_directory_methods(emu: SlackWebApiEmulator, client: WebClient) -> None:
    emu.add_user("U0ALICE", "Alice Smith", display_name="alice")
    emu.add_usergroup("S0GUARDIANS", ["U0ALICE", "U0BOB"])
    user = client.users_info(user="U0ALICE")["user"]
    assert user["real_name"] == "Alice Smith"
    assert user["profile"]["display_name"] == "alice"
    assert client.usergroups_users_list(usergroup="S0GUARDIANS")["users"] == ["U0ALICE", "U0BOB"]
    with pytest.raises(SlackApiError) as unknown_user:
        client.users_info(user="U0NOBODY")
    assert unknown_user.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as unknown_group:
        client.usergroups_users_list(usergroup="S0NONE")
    assert unknown_group.value.response["error"] == "no_such_subteam"
    with pytest.raises(SlackApiError) as unknown_method:
        client.api_call("reactions.add", params={"name": "eyes"})
    assert unknown_method.value.response["error"] == "unknown_method"
    assert emu.calls_to("reactions.add")


def test_ephemeral_permalink_and_reset(emu: SlackWebApiEmulator, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel="C0GUARD", user="U0ALICE", text="Not allowed")
    assert answer["message_ts"]
    assert emu.ephemeral_messages("U0ALICE")[0]["text"] == "Not allowed"
    posted = client.chat_postMessage(channel="C0GUARD", text="card")
    link = client.chat_getPermalink(channel="C0GUARD", message_ts=posted["ts"])
    assert link["permalink"].endswith(f"/archives/C0GUARD/p{posted['ts'].replace('.', '')}")
    emu.reset()
    assert emu.calls == [] and emu.ephemeral_messages() == []


def test_response_url_posts_are_recorded(emu: SlackWebApiEmulator) -> None:
    url = emu.new_response_url()
    response = WebhookClient(url).send(text="Thanks", response_type="ephemeral")
    assert response.status_code == 200
    (call,) = emu.calls_to("response_url")
    assert call.params["text"] == "Thanks" and url.endswith(call.path)
    assert emu.wait_for(lambda: len(emu.calls) == 1, timeout=0.1)
    assert not emu.wait_for(lambda: False, timeout=0.05)


# -- workspace driver --------------------------------------------------------------------


def test_slash_command_is_signed_and_its_trigger_opens_one_modal(
    ws: SlackWorkspace, app: RecordingApp, emu: SlackWebApiEmulator, client: WebClient
) -> None:
    emu.add_user("U0ALICE", "Alice Smith", display_name="alice")
    result = ws.slash_command("U0ALICE", text="status")
    assert result.status == 200
    form = app.received[0].form()
    assert form["command"] == "/speakup" and form["text"] == "status"
    assert form["user_id"] == "U0ALICE" and form["user_name"] == "alice"
    assert form["channel_id"] == emu.im_channel_id("U0ALICE")
    assert form["trigger_id"] == result.trigger_id
    assert form["response_url"] == result.response_url
    assert form["api_app_id"] == "A0SPEAKUP" and form["team_id"] == "T0SPEAKUP"

    client.views_open(trigger_id=form["trigger_id"], view=RAISE_VIEW)
    assert emu.opened_views()[0].user_id == "U0ALICE"
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id=form["trigger_id"], view=RAISE_VIEW)


def test_forged_and_stale_signatures_are_refused(ws: SlackWorkspace, app: RecordingApp) -> None:
    body = "command=%2Fspeakup"
    forged = ws.post_signed(body, "application/x-www-form-urlencoded", signature="v0=deadbeef")
    assert forged.status == 401 and forged.json() is None
    stale = ws.post_signed(
        body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 600
    )
    assert stale.status == 401
    assert app.received == []
    assert ws.post_signed(body, "application/x-www-form-urlencoded").status == 200


def test_submit_view_builds_slack_state_shapes(
    ws: SlackWorkspace, app: RecordingApp, emu: SlackWebApiEmulator, client: WebClient
) -> None:
    emu.register_trigger("t.2.a", "U0ALICE")
    view = client.views_open(trigger_id="t.2.a", view=RAISE_VIEW)["view"]
    result = ws.submit_view(
        "U0ALICE",
        view,
        {
            "description.text": "Unsafe staffing on nights",
            "mode": "anonymous",
            "elements": ["patient_safety", "other"],
            "choice": "paramedic",
            "flags": ["detriment"],
            "user": "U0BOB",
            "date": "2026-03-01",
        },
    )
    assert result.status == 200
    payload = app.received[0].payload()
    assert payload["type"] == "view_submission"
    assert payload["user"]["id"] == "U0ALICE"
    sent = payload["view"]
    assert sent["id"] == view["id"] and sent["hash"] == view["hash"]
    assert sent["callback_id"] == "raise_concern" and sent["private_metadata"] == '{"v": 1}'
    values = sent["state"]["values"]
    assert values["description"]["text"] == {
        "type": "plain_text_input",
        "value": "Unsafe staffing on nights",
    }
    assert values["identity"]["mode"] == {
        "type": "radio_buttons",
        "selected_option": _option("anonymous"),
    }
    assert values["elements"]["elements"]["selected_options"] == [
        _option("patient_safety"),
        _option("other"),
    ]
    assert values["group"]["choice"]["selected_option"]["value"] == "paramedic"
    assert values["site"]["text"]["value"] == "HQ"  # untouched input keeps its initial value
    assert values["flags"]["flags"] == {
        "type": "checkboxes",
        "selected_options": [_option("detriment")],
    }
    assert values["witness"]["user"] == {"type": "users_select", "selected_user": "U0BOB"}
    assert values["when"]["date"] == {"type": "datepicker", "selected_date": "2026-03-01"}
    # A plain acknowledgement closes the modal.
    assert emu.view_stack("U0ALICE") == []


def test_submit_view_empty_shapes_and_drift_errors(ws: SlackWorkspace) -> None:
    values = view_state_values(RAISE_VIEW, {})
    assert values["description"]["text"]["value"] is None
    assert values["identity"]["mode"]["selected_option"] is None
    assert values["elements"]["elements"]["selected_options"] == []
    assert values["witness"]["user"]["selected_user"] is None
    with pytest.raises(ValueError, match="several blocks"):
        ws.submit_view("U0ALICE", RAISE_VIEW, {"text": "ambiguous"})
    with pytest.raises(ValueError, match="no input"):
        ws.submit_view("U0ALICE", RAISE_VIEW, {"not_there": "x"})
    with pytest.raises(ValueError, match="does not offer"):
        ws.submit_view("U0ALICE", RAISE_VIEW, {"mode": "secret"})
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        ws.submit_view("U0ALICE", RAISE_VIEW, {"date": "01/03/2026"})
    with pytest.raises(ValueError, match="required"):
        ws.submit_view("U0ALICE", RAISE_VIEW, {"mode": "open"}, client_checks=True)


def test_submit_view_tampering_and_response_action(
    ws: SlackWorkspace, app: RecordingApp, emu: SlackWebApiEmulator, client: WebClient
) -> None:
    emu.register_trigger("t.3.a", "U0ALICE")
    view = client.views_open(trigger_id="t.3.a", view=RAISE_VIEW)["view"]
    thanks = {
        "type": "modal",
        "title": plain_text("Thank you"),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Ref FTSU-0002"}}],
    }
    app.reply = json.dumps({"response_action": "update", "view": thanks})
    ws.submit_view("U0ALICE", view, private_metadata='{"case": "someone-elses"}')
    assert app.received[0].payload()["view"]["private_metadata"] == '{"case": "someone-elses"}'
    shown = emu.last_view("U0ALICE")
    assert shown is not None and shown["id"] == view["id"]
    assert shown["blocks"] == thanks["blocks"]
    assert emu.opened_views()[-1].method == "response_action.update"


def test_click_labelled_button_on_a_stored_card(
    ws: SlackWorkspace, app: RecordingApp, emu: SlackWebApiEmulator, client: WebClient
) -> None:
    client.chat_postMessage(channel="C0GUARD", text="card", blocks=CARD_BLOCKS)
    card = emu.messages_in("C0GUARD")[0]
    assert find_button(card, "Acknowledge")["action_id"] == "concern_ack"
    result = ws.click_labelled("U0GUARDIAN", card, "Acknowledge")
    assert result.status == 200 and result.response_url
    payload = app.received[0].payload()
    assert payload["type"] == "block_actions"
    assert payload["container"] == {
        "type": "message",
        "is_ephemeral": False,
        "channel_id": "C0GUARD",
        "message_ts": card["ts"],
    }
    assert payload["channel"]["id"] == "C0GUARD"
    assert payload["message"]["ts"] == card["ts"]
    (action,) = payload["actions"]
    assert action["action_id"] == "concern_ack" and action["block_id"] == "card_actions"
    assert action["value"] == "c-1" and action["type"] == "button"
    assert action["action_ts"]
    with pytest.raises(ValueError, match="Acknowledge"):
        find_button(card, "Close")


def test_select_option_in_a_view(ws: SlackWorkspace, app: RecordingApp) -> None:
    view = {**RAISE_VIEW, "id": "V0TEST", "hash": "1.abc"}
    ws.select_option("U0ALICE", "choice", "call_handler", view=view, values={"mode": "open"})
    payload = app.received[0].payload()
    (action,) = payload["actions"]
    assert action["type"] == "static_select"
    assert action["selected_option"]["value"] == "call_handler"
    assert payload["container"] == {"type": "view", "view_id": "V0TEST"}
    state = payload["view"]["state"]["values"]
    assert state["group"]["choice"]["selected_option"]["value"] == "call_handler"
    assert state["identity"]["mode"]["selected_option"]["value"] == "open"
    ws.select_option("U0ALICE", "elements", ["bullying"], view=view)
    assert app.received[1].payload()["actions"][0]["selected_options"] == [_option("bullying")]


def test_events_envelope_retries_and_direct_messages(
    ws: SlackWorkspace, app: RecordingApp, emu: SlackWebApiEmulator
) -> None:
    first = ws.app_home_opened("U0ALICE")
    retry = ws.event(
        {"type": "app_home_opened", "user": "U0ALICE"}, event_id=first.event_id, retry_num=1
    )
    envelope = app.received[0].json()
    assert envelope["type"] == "event_callback" and envelope["event_id"] == first.event_id
    assert (
        envelope["event"]["tab"] == "home" and envelope["authorizations"][0]["user_id"] == "U0BOT"
    )
    assert "X-Slack-Retry-Num" not in app.received[0].headers
    assert retry.status == 200
    assert app.received[1].headers["X-Slack-Retry-Num"] == "1"
    assert app.received[1].headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert app.received[1].json()["event_id"] == first.event_id

    ws.direct_message("U0ALICE", "I want to raise something")
    event = app.received[2].json()["event"]
    assert event["channel_type"] == "im" and event["channel"] == emu.im_channel_id("U0ALICE")
    assert event["user"] == "U0ALICE" and event["text"] == "I want to raise something"
    assert emu.messages_in("U0ALICE")[0]["ts"] == event["ts"]

    app.reply = "abc123"
    assert ws.url_verification("abc123").body == "abc123"
    assert app.received[3].json() == {
        "token": "sim-verification-token",
        "challenge": "abc123",
        "type": "url_verification",
    }


def test_shortcut_and_close_view(ws: SlackWorkspace, app: RecordingApp) -> None:
    ws.global_shortcut("U0ALICE", "raise_concern")
    shortcut = app.received[0].payload()
    assert shortcut["type"] == "shortcut" and shortcut["callback_id"] == "raise_concern"
    ws.close_view("U0ALICE", {**RAISE_VIEW, "id": "V0TEST"})
    closed = app.received[1].payload()
    assert closed["type"] == "view_closed" and closed["view"]["id"] == "V0TEST"
    assert closed["is_cleared"] is False


def test_app_url_must_be_http(emu: SlackWebApiEmulator) -> None:
    with pytest.raises(ValueError):
        SlackWorkspace("file:///etc/passwd", SECRET, emu)


def test_urllib_errors_are_not_raised(ws: SlackWorkspace) -> None:
    # A 401 comes back as a result, never as urllib.error.HTTPError.
    try:
        result = ws.post_signed("x", "text/plain", signature="v0=0")
    except urllib.error.HTTPError:  # pragma: no cover
        pytest.fail("post_signed raised on an HTTP error")
    assert result.status == 401
