"""The "you said, we did" modals: drafting a learning summary, and a second guardian's
approval of someone else's draft."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
)

from bot.domain.aftercare import LEARNING_HELP
from bot.slack.form_blocks import modal, section, small_print, text_input
from bot.slack.ids import Block as B
from bot.slack.ids import Callback
from bot.slack.mrkdwn import quote

LEARNING_MAX = 1500


def draft_view(reference: str, metadata: str, current: str | None) -> dict[str, Any]:
    blocks: list[Block] = [
        text_input(
            B.LEARNING_TEXT,
            "What was raised, and what changed",
            max_length=LEARNING_MAX,
            optional=False,
            hint=LEARNING_HELP,
            initial=current or None,
        ),
        small_print(
            f"About {reference} (the reference is not posted). Kept encrypted "
            "until it is approved; a different guardian must approve it."
        ),
    ]
    return modal(Callback.LEARNING_DRAFT, "Learning summary", blocks, metadata, submit="Save draft")


def approve_view(reference: str, metadata: str, text: str, drafted_by: str) -> dict[str, Any]:
    blocks: list[Block] = [
        section(f"<@{drafted_by}> drafted this learning summary of {reference}:"),
        section(quote(text)[:3000]),
        small_print(
            "Approving posts it in the learning channel with only the month. "
            "Check that nothing in it could identify the case or the person who spoke "
            "up; if it could, close this and ask the drafter to change it."
        ),
    ]
    return modal(
        Callback.LEARNING_APPROVE, "Approve summary", blocks, metadata, submit="Approve and post"
    )
