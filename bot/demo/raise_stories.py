"""Two `speakup demo` stories from the raise experience: a safeguarding emergency, and an
anonymous concern with no contact that is followed up by its receipt alone.

Wire them in with `STORIES += RAISE_STORIES` after STORIES in bot/demo/stage.py. This module
reaches bot.demo.stage only inside the stories, so either module may import the other first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.demo.simulator import transcript
from bot.slack.ids import Action

if TYPE_CHECKING:
    from bot.demo.stage import Person, Scene

RECEIPT = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
ALEX_ID = "U0DEMOALEX"


def _reference(lines: list[str]) -> str:
    from bot.demo.stage import REFERENCE, DemoFailure

    found = REFERENCE.search(" ".join(lines))
    if found is None:
        raise DemoFailure("the confirmation carries no reference")
    return found.group(0)


def _next_view(scene: Scene, user: str, before: int) -> dict[str, Any]:
    from bot.demo.stage import DemoFailure

    def opened() -> list[dict[str, Any]]:
        return [v.view for v in scene.emulator.opened_views()[before:] if v.user_id == user]

    if not scene.emulator.wait_for(lambda: bool(opened()), 5):
        raise DemoFailure("no form opened")
    return opened()[0]


def _accepted(scene: Scene, person: Person, view: dict[str, Any], values: dict[str, Any]) -> Any:
    from bot.demo.stage import DemoFailure

    ack = scene.submit(person, view, values)
    if not isinstance(ack, dict) or ack.get("response_action") != "update":
        raise DemoFailure(f"the form was not accepted: {ack!r}")
    return ack


def _send(
    scene: Scene, person: Person, form: dict[str, Any], answers: dict[str, Any], heading: str
) -> Any:
    """Show what the person enters in the form, then submit it; the form must be accepted."""
    scene.heading(heading)
    scene.show(transcript.describe_answers(form, answers, scene.name))
    return _accepted(scene, person, form, answers)


def _confirmation(scene: Scene, ack: dict[str, Any], heading: str) -> list[str]:
    """Show the view the accepted form turned into; its lines as text."""
    scene.heading(heading)
    scene.show_view(ack["view"])
    return transcript.render_view(ack["view"])


def _command(scene: Scene, person: Person, text: str) -> dict[str, Any]:
    """A `/speakup …` answer as the person sees it (only them)."""
    result = scene.workspace.slash_command(person.user_id, "/speakup", text)
    body = result.json()
    return body if isinstance(body, dict) else {"text": result.body}


def safeguarding_emergency_reaches_the_team_at_once(scene: Scene) -> None:
    """A child in immediate danger: 999 first, the safeguarding team alerted at once."""
    from bot.demo.stage import GUARDIAN_CHANNEL, RILEY, SAFEGUARDING_CHANNEL, SAFEGUARDING_GROUP

    description = (
        "At the address we attended for the grandmother, a boy of about six was alone with a "
        "man who was very drunk and shouting; the boy had a bruise on his face."
    )
    guardian_posts = len(scene.emulator.messages_in(GUARDIAN_CHANNEL))
    scene.heading(f"{RILEY} types /speakup and presses “Someone is at risk of harm”")
    form = scene.open_raise_modal(RILEY)
    before = len(scene.emulator.opened_views())
    scene.workspace.click_button(RILEY.user_id, Action.SWITCH_TO_SAFEGUARDING.value, view=form)
    form = _next_view(scene, RILEY.user_id, before)
    scene.show_view(form)

    answers = {
        "at_risk": "child",
        "immediate_danger": "yes",
        "location": "14 Mill Road, Northtown",
        "incident_number": "CAD 240611-0193",
        "description": description,
        "identity": "confidential",
    }
    ack = _send(scene, RILEY, form, answers, f"{RILEY.name} fills in the form and presses Send")
    lines = _confirmation(scene, ack, f"{RILEY.name} sees, in the same moment")
    reference = _reference(lines)

    scene.deliver()
    scene.show_channel(SAFEGUARDING_CHANNEL, note=" (what the safeguarding team sees)")
    scene.show_dm(RILEY)

    posts = scene.emulator.messages_in(SAFEGUARDING_CHANNEL)
    alert = next((m for m in posts if reference in str(m.get("text"))), {})
    scene.heading("What happened to it")
    scene.check(
        "999 is the first thing the reporter reads",
        "999" in " ".join(lines[:3]),
        "the confirmation opens with “Call 999 now”",
    )
    scene.check(
        "the safeguarding team is alerted at once",
        f"<!subteam^{SAFEGUARDING_GROUP}>" in str(alert.get("text")),
        "the urgent post mentions the safeguarding team's user group and jumps the queue",
    )
    scene.check(
        "the guardians' channel never sees it",
        len(scene.emulator.messages_in(GUARDIAN_CHANNEL)) == guardian_posts,
        "safeguarding concerns are routed only to the safeguarding channel",
    )
    scene.check(
        "what happened, and the CAD number, are stored encrypted",
        not scene.database_contains(description[:40])
        and not scene.database_contains("240611-0193"),
        "searched the database file for both: not found",
    )


def anonymous_concern_followed_up_by_receipt(scene: Scene) -> None:
    """Anonymous, no contact: nothing links it to the reporter, who still answers by receipt."""
    from bot.demo.stage import GITA, GUARDIAN_CHANNEL, DemoFailure, Person

    alex = Person(ALEX_ID, "Alex", "call handler")
    scene.emulator.add_user(alex.user_id, f"{alex.name} ({alex.role})", alex.name)
    description = (
        "Calls are being closed as 'no ambulance needed' to hit the target before the "
        "clinical hub has seen them."
    )
    scene.heading(f"{alex} uses the Raise a concern shortcut")
    before = len(scene.emulator.opened_views())
    scene.workspace.global_shortcut(alex.user_id, "raise_concern")
    form = _next_view(scene, alex.user_id, before)
    answers = {
        "elements": ["patient_safety"],
        "description": description,
        "identity": "anonymous_no_contact",
        "professional_group": "call_handler",
    }
    ack = _send(
        scene, alex, form, answers, f"{alex.name} chooses “Anonymous, no contact” and presses Send"
    )
    lines = _confirmation(scene, ack, f"{alex.name} sees (once only)")
    reference = _reference(lines)
    found = RECEIPT.search(" ".join(lines))
    if found is None:
        raise DemoFailure("no receipt was shown")
    receipt = found.group(0)
    scene.deliver()

    card = next(
        (m for m in scene.emulator.messages_in(GUARDIAN_CHANNEL) if reference in m["text"]), None
    )
    if card is None:
        raise DemoFailure("the guardians got no card")
    scene.heading(f"{GITA} presses Ask reporter on the card")
    before = len(scene.emulator.opened_views())
    scene.workspace.click_labelled(GITA.user_id, card, "Ask reporter")
    ask = _next_view(scene, GITA.user_id, before)
    question = "Which shifts? Even a rough date helps us check the call logs."
    scene.submit(GITA, ask, {"message": question})
    scene.deliver()

    scene.heading(f"Days later, {alex.name} types /speakup status {receipt}")
    page = _command(scene, alex, f"status {receipt}")
    scene.show_message(page)
    reply_button = next(
        (
            element
            for block in page.get("blocks") or []
            for element in block.get("elements") or []
            if element.get("action_id") == Action.RECEIPT_REPLY
        ),
        None,
    )
    if reply_button is None:
        raise DemoFailure("the receipt page has no Reply button")
    before = len(scene.emulator.opened_views())
    scene.workspace.click_button(
        alex.user_id,
        Action.RECEIPT_REPLY.value,
        value=reply_button["value"],
        channel_id=scene.emulator.im_channel_id(alex.user_id),
    )
    reply_form = _next_view(scene, alex.user_id, before)
    reply = "Mostly Friday and Saturday nights in May."
    _send(
        scene,
        alex,
        reply_form,
        {"message": reply},
        f"{alex.name} presses Reply, answers and presses Send",
    )
    scene.deliver()
    scene.heading(
        "The thread under the guardians' card says only who did what, and nothing of an "
        "anonymous reporter's reply (that is in View details, so no one can match its time)"
    )
    for message in scene.emulator.thread_replies(GUARDIAN_CHANNEL, str(card["ts"])):
        scene.say()
        scene.show_message(message)

    scene.heading("Anyone else who tries a receipt: /speakup status ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    scene.show_message(_command(scene, GITA, "status ZZZZ-ZZZZ-ZZZZ-ZZZZ"))

    ring = scene.context.vault.ring
    scene.heading("Where the data went")
    scene.check(
        f"nothing in the database leads to {alex.name}",
        not any(
            scene.database_contains(trace)
            for trace in [alex.user_id, *ring.blind_index_candidates(alex.user_id)]
        ),
        f"searched the database file for {alex.name}'s Slack id and its keyed blind index: "
        "not found",
    )
    scene.check(
        "the receipt is kept only as a slow hash",
        not scene.database_contains(receipt),
        "searched the database file for the receipt: not found (scrypt hash only)",
    )
    scene.check(
        f"the app never messaged {alex.name}",
        not any(m.get("bot_id") for m in scene.emulator.messages_in(alex.user_id)),
        "no DM: the question and the answer travelled only through the receipt page",
    )


RAISE_STORIES: list[Callable[[Scene], None]] = [
    safeguarding_emergency_reaches_the_team_at_once,
    anonymous_concern_followed_up_by_receipt,
]
