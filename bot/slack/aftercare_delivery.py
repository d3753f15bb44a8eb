"""Delivering what happens after closure (bot.flows.aftercare, bot.flows.learning_summary):
the DMs telling the owner and leads that a reporter indicated detriment, and the approved
"you said, we did" posts.

A detriment alert says only the reference and what to do; if none of its recipients can be
reached, the team is told in its channel instead, so it is never silently lost. A learning
post carries the summary and its month, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
from slack_sdk import WebClient

from bot.domain.taxonomy import KIND_LABELS, ConcernKind
from bot.flows.context import AppContext
from bot.flows.effects import EffectKind
from bot.flows.learning_summary import posted_summary
from bot.slack.lead_dms import dm_each, people_of
from bot.slack.mrkdwn import escape
from storage.models import Concern
from storage.outbox import ClaimedItem

log = structlog.stdlib.get_logger(__name__)

AFTERCARE_KINDS = frozenset({EffectKind.DETRIMENT_ALERT, EffectKind.LEARNING_POST})
LEARNING_TITLE = "You said, we did"

# Posts one message for the item being delivered: (item, channel, text, thread_ts) -> ts,
# finding a message an earlier attempt already posted instead of posting it twice.
Post = Callable[[ClaimedItem, str, str, str | None], str]


def deliver(
    context: AppContext, client: WebClient, item: ClaimedItem, post: Post
) -> tuple[str | None, str | None]:
    if item.kind == EffectKind.LEARNING_POST:
        channel = str(item.payload["channel"])
        summary = posted_summary(context, str(item.payload["summary_id"]))
        if summary is None:
            log.warning("learning.destroyed_before_post")
            return None, None
        return channel, post(
            item, channel, learning_post_text(str(item.payload["month"]), summary), None
        )
    with context.db.transaction() as session:
        concern = session.get_one(Concern, item.concern_id)
        session.expunge(concern)
    return _alert(concern, list(item.payload.get("recipients") or []), client, item, post)


def learning_post_text(month: str, summary: str) -> str:
    return f"*{LEARNING_TITLE}* ({month})\n\n{escape(summary)}"


def alert_text(concern: Concern) -> str:
    kind = KIND_LABELS[ConcernKind(concern.kind)]
    return (
        f":warning: {kind} concern {concern.reference}: at the after-closure check-in, its "
        "reporter said they have been treated worse for speaking up. Detriment is recorded on "
        "the case. Please follow it up: View details on its card, and Reopen it if there is "
        "more to do."
    )


def _alert(
    concern: Concern, configured: list[str], client: WebClient, item: ClaimedItem, post: Post
) -> tuple[str | None, str | None]:
    text = alert_text(concern)
    people = people_of(client, configured, unreadable="aftercare.group_unreadable")
    last_ts = dm_each(
        client,
        people,
        lambda channel: post(item, channel, text, None),
        reference=concern.reference,
        unreachable="aftercare.unreachable",
    )
    if last_ts is not None:
        return None, last_ts
    log.error("aftercare.nobody_told", reference=concern.reference)
    fallback = text + " (Nobody could be told by direct message: please pick this up.)"
    return concern.channel, post(item, concern.channel, fallback, None)
