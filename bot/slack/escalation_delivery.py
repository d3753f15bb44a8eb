"""Delivering the escalation ladder's messages (bot.jobs.escalation queues them).

Each says only the reference, what is due, when, and how late: never what the reporter wrote
and never who they are. Mentions are worked out when the message goes out, so they name
whoever owns the concern then (or its team when nobody does), and a lead user group's
members are looked up then too. A rung whose deadline was met after it was queued (the
referral recorded, the concern acknowledged) is dropped without a word: that is how acting
stops the ladder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.deadlines import deadlines, duration_words
from bot.domain.escalation import RUNG_NAMES, Rung
from bot.domain.policy import Policy
from bot.domain.taxonomy import KIND_LABELS, ConcernKind
from bot.flows.effects import EffectKind
from bot.slack.cards import mention, slack_date
from bot.slack.lead_dms import dm_each, error_of, people_of
from storage.models import Concern
from storage.outbox import ClaimedItem

log = structlog.stdlib.get_logger(__name__)

ESCALATION_KINDS = frozenset(
    {EffectKind.ESCALATION_REMINDER, EffectKind.ESCALATION_OVERDUE, EffectKind.ESCALATION_DM}
)
# Slack errors meaning this lead cannot get a DM however often we try.


# Posts one message for the item being delivered: (channel, text, thread_ts) -> ts. It carries
# the item's key in the message's metadata and, on a retry, finds a message already posted.
Post = Callable[[str, str, str | None], str]


@dataclass(frozen=True)
class Posted:
    channel: str | None
    ts: str | None


@dataclass(frozen=True)
class Rendering:
    """The facts every escalation message is built from."""

    concern: Concern
    policy: Policy
    what: str
    due_at: datetime
    rung: Rung
    now: datetime

    @property
    def team(self) -> tuple[str, ...]:
        if self.concern.kind == ConcernKind.SAFEGUARDING:
            return self.policy.safeguarding_team
        return self.policy.guardians

    @property
    def who(self) -> str:
        """The owner, or the team when nobody owns it."""
        if self.concern.owner_id:
            return f"<@{self.concern.owner_id}>"
        return mention(list(self.team)) or "Team"

    @property
    def label(self) -> str:
        kind = KIND_LABELS[ConcernKind(self.concern.kind)]
        return f"{kind} concern {self.concern.reference}" + (
            " (immediate danger)" if self.concern.urgent else ""
        )

    @property
    def late(self) -> str:
        return duration_words(self.now - self.due_at)

    @property
    def leads_name(self) -> str:
        if self.rung is Rung.EXECUTIVES:
            return "executive leads"
        if self.concern.kind == ConcernKind.SAFEGUARDING:
            return "safeguarding leads"
        return "guardian leads"


def reminder_text(r: Rendering) -> str:
    left = r.due_at - r.now
    when = f"in {duration_words(left)}" if left.total_seconds() > 0 else "now"
    return (
        f":hourglass_flowing_sand: {r.who}: reminder, *{r.what}* on {r.concern.reference} is due "
        f"{slack_date(r.due_at)} ({when})."
    )


def overdue_text(r: Rendering, card_link: str | None) -> str:
    where = f" See {card_link}." if card_link else ""
    return (
        f":warning: {r.who}: *{r.concern.reference} is overdue*. {r.what} was due "
        f"{slack_date(r.due_at)}. Please act on the card, or record why not.{where}"
    )


def lead_text(r: Rendering, card_link: str | None) -> str:
    owner = f"<@{r.concern.owner_id}>" if r.concern.owner_id else "nobody yet"
    told = (
        "The team and its leads have already been told."
        if r.rung is Rung.EXECUTIVES
        else "The team was told in its channel when it fell due."
    )
    where = f" The card: {card_link}." if card_link else ""
    return (
        f":rotating_light: You are one of the {r.leads_name}. {r.label} is {r.late} overdue: "
        f"{r.what} was due {slack_date(r.due_at)}. Owner: {owner}. {told}{where}"
    )


def no_lead_text(r: Rendering, why: str) -> str:
    return (
        f":rotating_light: {r.who}: *{r.concern.reference} is {r.late} overdue* ({r.what}) and "
        f"the {r.leads_name} should have been told by direct message, but {why}. Please tell "
        "them yourselves."
    )


def deliver(
    item: ClaimedItem,
    concern: Concern,
    policy: Policy,
    client: WebClient,
    post: Post,
    now: datetime,
) -> Posted | None:
    """Send one rung; None when it must wait for the card to be posted first."""
    payload = item.payload
    due_at = datetime.fromisoformat(str(payload["due_at"]))
    rung = Rung(int(payload["rung"]))
    if not _still_open(concern, str(payload["deadline"]), due_at, policy, now):
        log.info("escalation.met_meanwhile", reference=concern.reference, rung=RUNG_NAMES[rung])
        return Posted(None, None)
    rendering = Rendering(concern, policy, str(payload["what"]), due_at, rung, now)
    if item.kind == EffectKind.ESCALATION_REMINDER:
        if concern.card_ts is None:
            return None
        ts = post(concern.channel, reminder_text(rendering), concern.card_ts)
        return Posted(concern.channel, ts)
    link = _card_link(client, concern)
    if item.kind == EffectKind.ESCALATION_OVERDUE:
        ts = post(concern.channel, overdue_text(rendering, link), None)
        return Posted(concern.channel, ts)
    return _tell_leads(rendering, list(payload.get("recipients") or []), client, post, link)


def _still_open(
    concern: Concern, key: str, due_at: datetime, policy: Policy, now: datetime
) -> bool:
    return any(
        d.key == key and d.due_at == due_at for d in deadlines(concern, policy.timescales, now)
    )


def _card_link(client: WebClient, concern: Concern) -> str | None:
    """A link to the card, when Slack gives one: a nicety that must never hold a rung up."""
    if concern.card_ts is None:
        return None
    try:
        answer = client.chat_getPermalink(channel=concern.channel, message_ts=concern.card_ts)
    except SlackApiError as exc:
        log.warning("escalation.no_card_link", reference=concern.reference, error=error_of(exc))
        return None
    return f"<{answer['permalink']}|{concern.reference}>"


def _tell_leads(
    r: Rendering, configured: list[str], client: WebClient, post: Post, link: str | None
) -> Posted:
    """A DM to each lead (each member of a lead user group); if none can be reached, the team
    is told in its channel instead, so the rung is never silently lost."""
    people = people_of(client, configured, unreadable="escalation.lead_group_unreadable")
    last_ts = dm_each(
        client,
        people,
        lambda channel: post(channel, lead_text(r, link), None),
        reference=r.concern.reference,
        unreachable="escalation.lead_unreachable",
    )
    if last_ts is not None:
        return Posted(None, last_ts)
    why = (
        "Slack would not deliver to any of them"
        if people
        else "none could be found (check the leads settings)"
        if configured
        else "none are configured"
    )
    log.error("escalation.no_lead_told", reference=r.concern.reference, rung=RUNG_NAMES[r.rung])
    ts = post(r.concern.channel, no_lead_text(r, why), None)
    return Posted(r.concern.channel, ts)
