"""Report files (the digest's chart, the quarterly CSV) reach their channel exactly once."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk import WebClient

from bot.domain.clock import utcnow
from bot.flows import effects
from bot.slack.file_upload import upload_once
from tests.support.harness import GUARDIAN_CHANNEL, Harness


def queue_csv(harness: Harness, key: str) -> None:
    with harness.context.db.transaction() as session:
        effects.queue_channel_file(
            session,
            key=key,
            channel=GUARDIAN_CHANNEL,
            filename=f"{key}.csv",
            title="A return",
            render=effects.FileRender.TEXT,
            source="a,b\n1,2\n",
            now=utcnow(),
        )


def test_a_failed_upload_is_retried_and_lands_once(harness: Harness) -> None:
    harness.emulator.fail_next("files.completeUploadExternal", 2, 500)
    queue_csv(harness, "retried-return")
    queue_csv(harness, "retried-return")  # queued twice: one item
    harness.settle(timeout=60)
    [upload] = harness.emulator.uploaded_files(GUARDIAN_CHANNEL)
    assert upload.content == b"a,b\n1,2\n"
    assert len(harness.emulator.calls_to("files.completeUploadExternal")) == 3


def test_a_retry_after_an_unseen_success_adopts_the_upload(harness: Harness) -> None:
    client = WebClient(token="xoxb-test-token", base_url=harness.emulator.base_url)
    since = utcnow() - timedelta(seconds=5)
    arguments = {"channel": GUARDIAN_CHANNEL, "filename": "q.csv", "title": "t", "content": b"x"}
    upload_once(client, retried=False, since=since, **arguments)  # the answer was lost
    upload_once(client, retried=True, since=since, **arguments)
    assert len(harness.emulator.uploaded_files(GUARDIAN_CHANNEL)) == 1
