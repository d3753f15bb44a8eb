"""Opening the raise modal: shared by the command, the shortcut and the buttons."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.domain.taxonomy import ConcernKind
from bot.flows.context import AppContext
from bot.slack import raise_form, signed_metadata


def raise_view(context: AppContext, kind: ConcernKind) -> dict[str, Any]:
    """The form for `kind`; with safeguarding off, always the speak-up form, saying where
    safeguarding concerns go."""
    policy = context.policy
    if not policy.safeguarding_on:
        kind = ConcernKind.SPEAK_UP
    metadata = signed_metadata.sign(context.vault.ring, {"form": kind.value})
    if kind is ConcernKind.SAFEGUARDING:
        return raise_form.safeguarding_form(metadata=metadata)
    return raise_form.speak_up_form(
        sites=list(policy.sites),
        metadata=metadata,
        safeguarding_elsewhere=None if policy.safeguarding_on else policy.safeguarding_elsewhere,
    )


def open_raise_modal(
    context: AppContext, client: WebClient, trigger_id: str, kind: ConcernKind
) -> None:
    """One views.open on the trigger, before any other work (the trigger lives 3 seconds)."""
    client.views_open(trigger_id=trigger_id, view=raise_view(context, kind))
