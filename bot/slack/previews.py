"""What a queued effect would post, without posting it: for `speakup jobs run --dry-run`.

Rendered by the same functions the delivery worker uses, except that a digest's references
are not linked (links come from Slack when the digest is posted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.clock import utcnow
from bot.flows.context import AppContext
from bot.flows.effects import EffectKind
from bot.slack.alarm_messages import alarm_text
from bot.slack.team_notices import no_links, render_digest
from storage.models import Concern


@dataclass(frozen=True)
class Preview:
    to: str  # a channel or user mention, as Slack would show it
    text: str
    blocks: list[dict[str, Any]]


def _place(target: str) -> str:
    if target[:1] in ("U", "W"):
        return f"<@{target}> (direct message)"
    if target.startswith("S"):
        return f"<!subteam^{target}> (a direct message to each member)"
    return f"<#{target}>"


def preview(
    context: AppContext, kind: str, concern_id: str | None, payload: dict[str, Any]
) -> Preview:
    if kind == EffectKind.DIGEST:
        text, blocks = render_digest(context, payload, no_links)
        return Preview(_place(str(payload["channel"])), text, blocks)
    if kind == EffectKind.ALARM:
        text = alarm_text(payload, timezone=context.policy.timezone, now=utcnow())
        return Preview(_place(str(payload["to"])), text, [])
    with context.db.transaction() as session:
        concern = session.get(Concern, concern_id) if concern_id else None
        reference = concern.reference if concern else "?"
        channel = concern.channel if concern else "?"
    if kind == EffectKind.CARD:
        return Preview(_place(channel), f"(the card of {reference}, posted or refreshed)", [])
    if kind == EffectKind.THREAD_NOTE:
        return Preview(_place(channel), str(payload.get("text", "")), [])
    return Preview("the reporter", f"(a {kind} message about {reference})", [])
