"""A `speakup demo` story: the whole life of a concern, from the guardians' card to closure.

It follows the first story (Riley's confidential concern) and is wired into bot/demo/stage.py's
STORIES after it. This module reaches bot.demo.stage only inside the story, so either may import
the other first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.demo.simulator import transcript

if TYPE_CHECKING:
    from bot.demo.stage import Person, Scene


def _card(scene: Scene, channel: str) -> dict[str, Any]:
    from bot.demo.stage import DemoFailure

    cards = [m for m in scene.emulator.messages_in(channel) if m.get("blocks")]
    if not cards:
        raise DemoFailure("there is no card to act on")
    return cards[-1]


def _press(scene: Scene, person: Person, target: dict[str, Any], label: str) -> None:
    from bot.demo.stage import DemoFailure

    result = scene.workspace.click_labelled(person.user_id, target, label)
    if result.status != 200:
        raise DemoFailure(f"pressing {label} was answered with HTTP {result.status}")


def _form(scene: Scene, person: Person, target: dict[str, Any], label: str) -> dict[str, Any]:
    """Press a button that opens a form; returns the form."""
    from bot.demo.stage import DemoFailure

    before = len(scene.emulator.opened_views())
    _press(scene, person, target, label)

    def opened() -> list[dict[str, Any]]:
        return [
            sent.view
            for sent in scene.emulator.opened_views()[before:]
            if sent.user_id == person.user_id
        ]

    if not scene.emulator.wait_for(lambda: bool(opened()), 5):
        raise DemoFailure(f"{label} opened no form")
    return opened()[-1]


def _fill(scene: Scene, person: Person, form: dict[str, Any], values: dict[str, Any]) -> None:
    from bot.demo.stage import DemoFailure

    scene.show(transcript.describe_answers(form, values, scene.name))
    result = scene.workspace.submit_view(person.user_id, form, values)
    answer = result.json()
    if result.status != 200 or (isinstance(answer, dict) and answer.get("errors")):
        raise DemoFailure(f"the form was refused: {result.body}")
    scene.deliver()


def _latest_dm(scene: Scene, person: Person) -> dict[str, Any]:
    return scene.emulator.messages_in(person.user_id)[-1]


def the_guardians_act_and_riley_is_kept_informed(scene: Scene) -> None:
    """Guardians work Riley's concern from the card; Riley hears each step and answers."""
    from bot.demo.stage import GITA, GUARDIAN_CHANNEL, GUS, RILEY, DemoFailure

    card = _card(scene, GUARDIAN_CHANNEL)
    scene.heading(f"{GUS} presses Acknowledge on the card")
    _press(scene, GUS, card, "Acknowledge")
    scene.deliver()
    scene.show_message(_card(scene, GUARDIAN_CHANNEL))
    scene.heading(f"{RILEY.name} gets a direct message")
    scene.show_message(_latest_dm(scene, RILEY))

    scene.heading(f"{GUS.name} presses Ask reporter")
    form = _form(scene, GUS, _card(scene, GUARDIAN_CHANNEL), "Ask reporter")
    _fill(scene, GUS, form, {"message": "Which nights were you single-crewed, roughly?"})
    question = _latest_dm(scene, RILEY)
    scene.heading(f"{RILEY.name} gets the question")
    scene.show_message(question)

    scene.heading(f"{RILEY.name} presses Reply")
    reply = _form(scene, RILEY, question, "Reply")
    _fill(scene, RILEY, reply, {"message": "Most Fridays and Saturdays since March."})

    scene.heading(f"{GITA} presses View details (her opening is recorded in the audit log)")
    details_before = len(scene.emulator.opened_views())
    _press(scene, GITA, _card(scene, GUARDIAN_CHANNEL), "View details")
    if not scene.emulator.wait_for(
        lambda: any(
            sent.method == "views.update" for sent in scene.emulator.opened_views()[details_before:]
        ),
        5,
    ):
        raise DemoFailure("View details showed nothing")
    details = [s for s in scene.emulator.opened_views()[details_before:]][-1].view
    scene.show_view(details)

    scene.heading(f"{GITA.name} sets the status and sends {RILEY.name} a word")
    form = _form(scene, GITA, _card(scene, GUARDIAN_CHANNEL), "Update status")
    _fill(
        scene,
        GITA,
        form,
        {"stage": "investigating", "message": "I have asked the rota team for the figures."},
    )
    scene.show_message(_latest_dm(scene, RILEY))

    scene.heading(f"{GITA.name} closes the concern with an outcome")
    form = _form(scene, GITA, _card(scene, GUARDIAN_CHANNEL), "Close")
    _fill(
        scene,
        GITA,
        form,
        {
            "outcome": "action_taken",
            "outcome_text": "Single-crewing on nights stopped at Northtown from 1 December.",
            "message": "Thank you for speaking up: nights at Northtown are now double-crewed.",
        },
    )
    closing = _latest_dm(scene, RILEY)
    scene.heading(f"{RILEY.name} is told, and asked the feedback question")
    scene.show_message(closing)
    feedback = _form(scene, RILEY, closing, "Give feedback")
    _fill(scene, RILEY, feedback, {"feedback": "yes"})

    scene.show_channel(GUARDIAN_CHANNEL, note=" at the end: one card, updated in place")
    card = _card(scene, GUARDIAN_CHANNEL)
    thread = scene.emulator.thread_replies(GUARDIAN_CHANNEL, str(card["ts"]))
    scene.heading("The card's thread: who did what, never what was said")
    for line in thread:
        scene.show(transcript.render_message(line, scene.name))

    scene.heading("Where the data went")
    said = " ".join(" ".join(transcript.render_message(m)) for m in thread)
    scene.check(
        "the thread names actions, not content",
        "Fridays" not in said and "double-crewed" not in said,
        "searched every thread line for Riley's reply and the outcome",
    )
    stored = scene.database_contains("Fridays and Saturdays")
    scene.check(
        "Riley's reply stored encrypted",
        not stored,
        "searched the database file for it: " + ("FOUND" if stored else "not found"),
    )
