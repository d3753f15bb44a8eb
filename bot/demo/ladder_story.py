"""A `speakup demo` story: a missed referral climbs the escalation ladder until it is made.

The demo's clock is moved forward hour by hour (the service reads time from its context), and
at each moment the SLA sweep and the escalation job run through the job runner, as the
scheduler would. Printed as what each person sees. Wired into bot/demo/stage.py's STORIES;
it reaches bot.demo.stage only inside the story, so either module may import the other first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.demo.simulator import transcript
from bot.domain.clock import utcnow
from bot.jobs.escalation import ESCALATION
from bot.jobs.runner import run_period
from bot.jobs.sla_sweep import SLA_SWEEP
from bot.slack.ids import Action
from storage.models import Concern

if TYPE_CHECKING:
    from bot.demo.stage import Person, Scene

DESCRIPTION = (
    "Two children under five were left alone overnight at the flat we attended; the mother "
    "came back drunk while we were there and told us to leave."
)


def _move_clock(scene: Scene, moment: datetime) -> None:
    offset = moment - utcnow()
    scene.context.clock = lambda: utcnow() + offset


def _run_jobs(scene: Scene, moment: datetime) -> None:
    _move_clock(scene, moment)
    for job in (SLA_SWEEP, ESCALATION):
        run_period(scene.context, job, job.schedule.latest(moment), owner="demo", now=moment)
    scene.deliver()


def _posted(scene: Scene, reference: str) -> list[tuple[str, dict[str, Any]]]:
    """(channel, message) of every escalation message about `reference`, in order."""
    found = []
    for call in scene.emulator.calls_to("chat.postMessage"):
        key = str(((call.params.get("metadata") or {}).get("event_payload") or {}).get("key", ""))
        if call.ok and key.startswith("esc:") and reference in str(call.params.get("text")):
            found.append((str(call.params["channel"]), dict(call.params)))
    return found


def _raise(scene: Scene, person: Person) -> tuple[str, datetime]:
    from bot.demo.stage import REFERENCE, DemoFailure

    form = scene.open_raise_modal(person)
    before = len(scene.emulator.opened_views())
    scene.workspace.click_button(person.user_id, Action.SWITCH_TO_SAFEGUARDING.value, view=form)
    if not scene.emulator.wait_for(lambda: len(scene.emulator.opened_views()) > before, 5):
        raise DemoFailure("the safeguarding form did not open")
    form = scene.emulator.opened_views()[-1].view
    answers = {
        "at_risk": "child",
        "immediate_danger": "yes",
        "location": "Flat 3, Canal Street, Westfield",
        "description": DESCRIPTION,
        "identity": "confidential",
    }
    ack = scene.submit(person, form, answers)
    scene.heading(f"{person.name} sees")
    scene.show_view(ack["view"])
    lines = transcript.render_view(ack["view"])
    found = REFERENCE.search(" ".join(lines))
    if found is None:
        raise DemoFailure("the confirmation carries no reference")
    reference = found.group(0)
    with scene.context.db.transaction() as session:
        raised = session.scalars(
            select(Concern.created_at).where(Concern.reference == reference)
        ).one()
    return reference, raised


def a_missed_referral_climbs_the_ladder(scene: Scene) -> None:
    """Nothing goes silent: a referral nobody records climbs the ladder until it is made."""
    from bot.demo.stage import (
        ELLA,
        LEE,
        RILEY,
        SAFEGUARDING_CHANNEL,
        SAM,
        DemoFailure,
    )

    scene.heading(f"{RILEY} raises a safeguarding concern: two children in immediate danger")
    reference, raised = _raise(scene, RILEY)
    scene.deliver()
    scene.say("   (Safeguarding runs on the clock, day and night: acknowledged within the hour,")
    scene.say("   the local-authority referral recorded within 4 hours.)")
    seen = 0

    def show_new(title: str, moment: datetime) -> list[tuple[str, dict[str, Any]]]:
        nonlocal seen
        _run_jobs(scene, moment)
        new = _posted(scene, reference)[seen:]
        seen += len(new)
        scene.heading(f"{title}, {int((moment - raised).total_seconds() // 60)} minutes in")
        for channel, message in new:
            scene.say(f"   {_reader(scene, channel, message)}:")
            scene.show(transcript.render_message(message, scene.name), indent="     ")
        if not new:
            scene.say("   Nothing: nobody is told anything new.")
        return new

    reminder = show_new("The acknowledgement is nearly due", raised + timedelta(minutes=46))
    card = _card(scene, SAFEGUARDING_CHANNEL, reference)
    scene.heading(f"{SAM} presses Acknowledge: that ladder stops, the referral's goes on")
    _move_clock(scene, raised + timedelta(minutes=50))
    result = scene.workspace.click_labelled(SAM.user_id, card, "Acknowledge")
    if result.status != 200:
        raise DemoFailure("Acknowledge was refused")
    scene.deliver()

    steps = [
        ("The referral is nearly due", 181),
        ("The referral is overdue", 241),
        ("An hour overdue", 301),
        ("Four hours overdue", 481),
    ]
    climbed = [show_new(title, raised + timedelta(minutes=after)) for title, after in steps]

    scene.heading(f"{SAM.name} records the referral to Westfield children's services")
    _move_clock(scene, raised + timedelta(minutes=490))
    before = len(scene.emulator.opened_views())
    scene.workspace.click_labelled(
        SAM.user_id, _card(scene, SAFEGUARDING_CHANNEL, reference), "Record referral"
    )
    if not scene.emulator.wait_for(lambda: len(scene.emulator.opened_views()) > before, 5):
        raise DemoFailure("Record referral opened no form")
    form = scene.emulator.opened_views()[-1].view
    answer = scene.workspace.submit_view(
        SAM.user_id, form, {"authority": "Westfield Children's Services"}
    )
    if answer.status != 200 or answer.json() is not None:
        raise DemoFailure(f"the referral was refused: {answer.body}")
    scene.deliver()
    after = show_new("The next day's check", raised + timedelta(minutes=600))

    scene.heading("Where the ladder went")
    everything = _posted(scene, reference)
    said = " ".join(" ".join(transcript.render_message(m)) for _, m in everything)
    lee_dm = scene.emulator.im_channel_id(LEE.user_id)
    ella_dm = scene.emulator.im_channel_id(ELLA.user_id)
    scene.check(
        "every rung reached someone, once, in order",
        [len(reminder), *map(len, climbed)] == [1, 1, 1, 1, 1]
        and [channel for channel, _ in everything[1:]]
        == [SAFEGUARDING_CHANNEL, SAFEGUARDING_CHANNEL, lee_dm, ella_dm],
        "thread reminders, a new channel message with a mention, then the lead's and the "
        "executive's direct messages",
    )
    scene.check(
        "recording the referral stopped the ladder",
        after == [],
        "no reminder or message after it was recorded",
    )
    scene.check(
        "the ladder carries no free text and no reporter",
        DESCRIPTION[:30] not in said and RILEY.name not in said,
        "searched every escalation message for the concern's words and Riley's name",
    )
    scene.context.clock = utcnow  # back to real time for whatever plays next


def _reader(scene: Scene, channel: str, message: dict[str, Any]) -> str:
    """Where a message appears and who sees it, in words."""
    from bot.demo.stage import CHANNEL_NAMES, PEOPLE

    for person in PEOPLE:
        if scene.emulator.im_channel_id(person.user_id) == channel:
            return f"{person} gets a direct message"
    where = f"#{CHANNEL_NAMES.get(channel, channel)}"
    if message.get("thread_ts"):
        return f"In {where}, a reply in the card's thread"
    return f"In {where}, a new message"


def _card(scene: Scene, channel: str, reference: str) -> dict[str, Any]:
    from bot.demo.stage import DemoFailure

    for message in scene.emulator.messages_in(channel):
        if message.get("blocks") and reference in str(message.get("text")):
            return message
    raise DemoFailure(f"there is no card for {reference}")
