"""The Web API emulator's channel states, permalinks, file uploads, rate limit and failure
modes, driven through slack_sdk's own WebClient as the app drives them."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.demo.simulator.api_auth import TokenRefusal
from bot.demo.simulator.web_api import ChannelState, SlackWebApiEmulator


@pytest.fixture
def client(emu: SlackWebApiEmulator) -> WebClient:
    # No retry handlers: the tests want to see every failure. A short timeout for hangs.
    return WebClient(token="xoxb-test", base_url=emu.base_url, retry_handlers=[], timeout=1)


def error_of(call: object) -> str:
    """Run a client call that must fail with a Slack error; the error."""
    assert callable(call)
    with pytest.raises(SlackApiError) as failure:
        call()
    return str(failure.value.response["error"])


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- conversations.info and channel states ------------------------------------------------


def test_conversations_info_describes_a_channel_like_slack(
    emu: SlackWebApiEmulator, client: WebClient
) -> None:
    emu.add_channel("C0GUARD", "ftsu-guardians", is_private=True)
    channel = client.conversations_info(channel="C0GUARD")["channel"]
    assert channel["id"] == "C0GUARD" and channel["name"] == "ftsu-guardians"
    assert channel["is_channel"] is True and channel["is_private"] is True
    assert channel["is_archived"] is False and channel["is_member"] is True
    assert channel["is_im"] is False and channel["context_team_id"] == "T0SPEAKUP"
    assert {"topic", "purpose", "created", "name_normalized"} <= channel.keys()
    # A channel nobody named answers too, as the emulator accepts posts to any channel.
    assert client.conversations_info(channel="C0OTHER")["channel"]["name"] == "c0other"

    im = client.conversations_open(users="U0ALICE")["channel"]["id"]
    dm = client.conversations_info(channel=im)["channel"]
    assert dm["is_im"] is True and dm["user"] == "U0ALICE"
    assert error_of(lambda: client.conversations_info(channel="D0NEVEROPENED")) == (
        "channel_not_found"
    )


def test_each_channel_state_answers_as_slack_does(
    emu: SlackWebApiEmulator, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="C0GUARD", text="card")

    emu.archive_channel("C0GUARD")
    assert emu.channel_state("C0GUARD") is ChannelState.ARCHIVED
    assert client.conversations_info(channel="C0GUARD")["channel"]["is_archived"] is True
    assert error_of(lambda: client.chat_postMessage(channel="C0GUARD", text="x")) == "is_archived"
    assert (
        error_of(lambda: client.chat_postEphemeral(channel="C0GUARD", user="U0A", text="x"))
        == "is_archived"
    )
    assert (
        error_of(lambda: client.chat_update(channel="C0GUARD", ts=first["ts"], text="x"))
        == "is_inactive"
    )
    # An archived channel stays readable.
    assert len(client.conversations_history(channel="C0GUARD")["messages"]) == 1

    emu.remove_app_from_channel("C0GUARD")
    assert client.conversations_info(channel="C0GUARD")["channel"]["is_member"] is False
    assert (
        error_of(lambda: client.chat_postMessage(channel="C0GUARD", text="x")) == "not_in_channel"
    )
    assert error_of(lambda: client.conversations_history(channel="C0GUARD")) == "not_in_channel"

    emu.delete_channel("C0GUARD")
    assert error_of(lambda: client.conversations_info(channel="C0GUARD")) == "channel_not_found"
    assert (
        error_of(lambda: client.chat_postMessage(channel="C0GUARD", text="x"))
        == "channel_not_found"
    )

    emu.restore_channel("C0GUARD")
    client.chat_postMessage(channel="C0GUARD", text="again")
    assert [m["text"] for m in emu.messages_in("C0GUARD")] == ["card", "again"]
    failed = [c for c in emu.calls_to("chat.postMessage") if not c.ok]
    assert [c.error for c in failed] == ["is_archived", "not_in_channel", "channel_not_found"]
    with pytest.raises(ValueError):
        emu.set_channel_state("C0GUARD", "frozen")


def test_a_state_set_while_running_stops_the_next_post(
    emu: SlackWebApiEmulator, client: WebClient
) -> None:
    client.chat_postMessage(channel="U0ALICE", text="received")
    # A user id stands for the bot's DM with them, as when posting.
    emu.delete_channel("U0ALICE")
    assert emu.channel_state(emu.im_channel_id("U0ALICE")) is ChannelState.NOT_FOUND
    assert (
        error_of(lambda: client.chat_postMessage(channel="U0ALICE", text="update"))
        == "channel_not_found"
    )
    assert [m["text"] for m in emu.messages_in("U0ALICE")] == ["received"]
    # State is configuration: reset() forgets calls and messages, not which channels are gone.
    emu.reset()
    assert emu.channel_state("U0ALICE") is ChannelState.NOT_FOUND


# -- chat.getPermalink ------------------------------------------------------------------------


def test_permalinks_for_messages_and_replies(emu: SlackWebApiEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0GUARD", text="card")
    reply = client.chat_postMessage(channel="C0GUARD", text="note", thread_ts=parent["ts"])
    top = client.chat_getPermalink(channel="C0GUARD", message_ts=parent["ts"])
    assert top["channel"] == "C0GUARD"
    assert top["permalink"] == (
        f"https://speakup-sim.slack.com/archives/C0GUARD/p{parent['ts'].replace('.', '')}"
    )
    threaded = client.chat_getPermalink(channel="C0GUARD", message_ts=reply["ts"])["permalink"]
    assert threaded.endswith(
        f"/p{reply['ts'].replace('.', '')}?thread_ts={parent['ts']}&cid=C0GUARD"
    )
    assert (
        error_of(lambda: client.chat_getPermalink(channel="C0GUARD", message_ts="1.000001"))
        == "message_not_found"
    )
    emu.delete_channel("C0GUARD")
    assert (
        error_of(lambda: client.chat_getPermalink(channel="C0GUARD", message_ts=parent["ts"]))
        == "channel_not_found"
    )


# -- files upload v2 ----------------------------------------------------------------------------


def test_files_upload_v2_reaches_the_channel(emu: SlackWebApiEmulator, client: WebClient) -> None:
    data = b"reference,status\nSU-ABC123,open\n"
    answer = client.files_upload_v2(
        channel="C0LEADERS",
        content=data,
        filename="digest.csv",
        title="Weekly digest",
        initial_comment="This week's figures",
    )
    shared = answer["file"]
    assert shared["name"] == "digest.csv" and shared["title"] == "Weekly digest"
    assert shared["size"] == len(data) and shared["mimetype"] == "text/csv"

    (uploaded,) = emu.uploaded_files("C0LEADERS")
    assert uploaded.file_id == shared["id"] and uploaded.content == data
    assert uploaded.name == "digest.csv" and uploaded.title == "Weekly digest"
    assert uploaded.initial_comment == "This week's figures" and uploaded.channel == "C0LEADERS"
    (message,) = emu.messages_in("C0LEADERS")
    assert message["text"] == "This week's figures"
    assert [f["id"] for f in message["files"]] == [shared["id"]]

    (asked,) = emu.calls_to("files.getUploadURLExternal")
    assert asked.params["filename"] == "digest.csv" and int(asked.params["length"]) == len(data)
    (sent,) = emu.calls_to("file_upload")
    assert sent.ok and sent.params == {"file_id": shared["id"], "bytes": len(data)}
    (completed,) = emu.calls_to("files.completeUploadExternal")
    assert completed.params["files"] == [{"id": shared["id"], "title": "Weekly digest"}]
    assert completed.params["channel_id"] == "C0LEADERS"

    # To a person: the file lands in the bot's DM with them.
    client.files_upload_v2(channel="U0ALICE", content=b"x", filename="note.txt")
    assert [f.name for f in emu.uploaded_files("U0ALICE")] == ["note.txt"]


def test_each_upload_step_is_strict(emu: SlackWebApiEmulator, client: WebClient) -> None:
    def get_url(**params: object) -> str:
        return error_of(lambda: client.api_call("files.getUploadURLExternal", params=params))

    assert get_url(filename="a.txt") == "invalid_arguments"
    assert get_url(length=3) == "invalid_arguments"
    assert get_url(filename="a.txt", length=0) == "missing_argument"
    assert get_url(filename="a.txt", length=3, alt_txt="x" * 1001) == "alt_txt_too_large"

    url = client.files_getUploadURLExternal(filename="a.txt", length=3)
    assert url["upload_url"].startswith(f"{emu.root_url}/upload/v1/")
    assert url["file_id"].startswith("F")

    def complete(file_id: str, **params: object) -> str:
        return error_of(
            lambda: client.files_completeUploadExternal(files=[{"id": file_id}], **params)
        )

    # Completing before the bytes arrived, or an id Slack never gave out.
    assert complete(url["file_id"]) == "file_not_found"
    assert complete("F0NOSUCH") == "file_not_found"

    wrong = urllib.request.Request(url["upload_url"], data=b"four", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(wrong, timeout=5)
    assert refused.value.code == 400
    # Bytes as a multipart form, as curl -F sends them.
    boundary = "sim-boundary"
    form = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nabc\r\n--{boundary}--\r\n"
    ).encode()
    upload = urllib.request.Request(
        url["upload_url"],
        data=form,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(upload, timeout=5) as response:
        assert response.status == 200

    emu.archive_channel("C0GONE")
    assert complete(url["file_id"], channel_id="C0GONE") == "is_archived"
    assert emu.uploaded_files() == []
    client.files_completeUploadExternal(files=[{"id": url["file_id"], "title": "A"}])
    (private,) = emu.uploaded_files()
    assert private.content == b"abc" and private.channel is None and private.title == "A"
    # Completion happens once.
    assert complete(url["file_id"]) == "file_not_found"


# -- the per-channel posting limit ----------------------------------------------------------------


def test_posting_limit_is_per_channel_and_off_by_default(
    emu: SlackWebApiEmulator, client: WebClient
) -> None:
    for n in range(10):
        client.chat_postMessage(channel="C0BUSY", text=f"unlimited {n}")

    clock = FakeClock()
    emu.enable_post_rate_limit(per_second=1.0, burst=3, clock=clock)
    for n in range(3):
        client.chat_postMessage(channel="C0GUARD", text=f"burst {n}")
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C0GUARD", text="one too many")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    assert limited.value.response["error"] == "ratelimited"
    assert "one too many" not in [m["text"] for m in emu.messages_in("C0GUARD")]
    # Other channels and DMs have their own allowance.
    client.chat_postMessage(channel="C0SAFEGUARD", text="other channel")
    client.chat_postMessage(channel="U0ALICE", text="a DM")

    clock.now += 1.0
    client.chat_postMessage(channel="C0GUARD", text="a second later")
    assert error_of(lambda: client.chat_postMessage(channel="C0GUARD", text="x")) == "ratelimited"
    clock.now += 0.5
    with pytest.raises(SlackApiError) as half:
        client.chat_postMessage(channel="C0GUARD", text="half a second later")
    assert half.value.response.headers["Retry-After"] == "1"

    emu.disable_post_rate_limit()
    client.chat_postMessage(channel="C0GUARD", text="limit off")
    statuses = [
        c.status for c in emu.calls_to("chat.postMessage") if c.params["channel"] == "C0GUARD"
    ]
    assert statuses == [200, 200, 200, 429, 200, 429, 429, 200]


def test_a_posting_limit_scaled_down_says_the_exact_wait(
    emu: SlackWebApiEmulator, client: WebClient
) -> None:
    clock = FakeClock()
    emu.enable_post_rate_limit(per_second=20.0, burst=1, clock=clock, whole_seconds=False)
    client.chat_postMessage(channel="C0GUARD", text="first")
    clock.now += 0.02
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C0GUARD", text="too soon")
    # 20 a second: a post every 0.05 s, so 0.03 s still to wait (not Slack's whole second).
    assert limited.value.response.headers["Retry-After"] == "0.030"
    clock.now += 0.031
    client.chat_postMessage(channel="C0GUARD", text="on time")


# -- failure modes ---------------------------------------------------------------------------------


def test_unreachable_web_api_refuses_or_drops_connections(
    emu: SlackWebApiEmulator, client: WebClient
) -> None:
    base_url = emu.base_url
    emu.go_offline()
    assert emu.base_url == base_url
    with pytest.raises(urllib.error.URLError) as refused:
        client.auth_test()
    assert isinstance(refused.value.reason, ConnectionRefusedError)
    emu.come_online()
    assert client.auth_test()["ok"] is True

    emu.go_offline("drop")
    for call in (client.auth_test, lambda: client.chat_postMessage(channel="C0G", text="x")):
        with pytest.raises(http.client.RemoteDisconnected):
            call()
    assert emu.messages_in("C0G") == []
    dropped = [c for c in emu.calls if not c.delivered]
    assert [(c.method, c.status, c.error) for c in dropped] == [
        ("auth.test", 0, "connection_dropped"),
        ("chat.postMessage", 0, "connection_dropped"),
    ]
    emu.reset()  # an outage ends with reset(), too
    assert client.auth_test()["ok"] is True


def test_a_hanging_web_api_answers_nothing_until_released(
    emu: SlackWebApiEmulator, client: WebClient
) -> None:
    emu.hang()
    for call in (client.auth_test, lambda: client.chat_postMessage(channel="C0G", text="x")):
        with pytest.raises(TimeoutError):
            call()
    assert [(c.method, c.error, c.delivered) for c in emu.calls] == [
        ("auth.test", "no_answer", False),
        ("chat.postMessage", "no_answer", False),
    ]
    emu.release()
    assert emu.messages_in("C0G") == []
    assert client.auth_test()["ok"] is True

    # Slack did it, but the answer never reached the app.
    emu.hang(apply_on_release=True)
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C0G", text="posted late")
    assert emu.messages_in("C0G") == []
    emu.release()
    assert emu.wait_for(lambda: len(emu.messages_in("C0G")) == 1, 5)
    late = emu.calls_to("chat.postMessage")[-1]
    assert late.ok and not late.delivered


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
def test_a_refused_token_fails_every_method(
    emu: SlackWebApiEmulator, client: WebClient, error: TokenRefusal
) -> None:
    emu.add_user("U0ALICE", "Alice Smith")
    emu.refuse_token(error)
    assert error_of(client.auth_test) == error
    assert error_of(lambda: client.chat_postMessage(channel="C0G", text="x")) == error
    assert error_of(lambda: client.users_info(user="U0ALICE")) == error
    assert error_of(lambda: client.conversations_open(users="U0ALICE")) == error
    assert emu.messages_in("C0G") == []
    emu.accept_token()
    assert client.auth_test()["user_id"] == "U0BOT"
    with pytest.raises(ValueError):
        emu.refuse_token("not_a_slack_error")  # type: ignore[arg-type]


def test_auth_test_fails_next_with_a_server_error(
    emu: SlackWebApiEmulator, client: WebClient
) -> None:
    emu.fail_next("auth.test", 1, status=503)
    with pytest.raises(SlackApiError) as unavailable:
        client.auth_test()
    assert unavailable.value.response.status_code == 503
    assert client.auth_test()["ok"] is True


# -- people Slack will not describe ----------------------------------------------------------------


def test_users_a_test_marks_are_not_found_or_not_visible(
    emu: SlackWebApiEmulator, client: WebClient
) -> None:
    emu.add_user("U0GONE", "Gone Person")
    emu.refuse_user_lookup("U0GONE")
    emu.refuse_user_lookup("W0ELSEWHERE", "user_not_visible")
    assert error_of(lambda: client.users_info(user="U0GONE")) == "user_not_found"
    assert error_of(lambda: client.users_info(user="W0ELSEWHERE")) == "user_not_visible"
    assert error_of(lambda: client.conversations_open(users="U0GONE")) == "user_not_found"
    emu.allow_user_lookup("U0GONE")
    assert client.users_info(user="U0GONE")["user"]["real_name"] == "Gone Person"
    assert client.conversations_open(users="U0GONE")["channel"]["is_im"] is True
    with pytest.raises(ValueError):
        emu.refuse_user_lookup("U0GONE", "user_disabled")  # type: ignore[arg-type]
