"""A `speakup demo` story: a week of concerns, then the leaders' digest it produces.

Staff raise concerns through the real app over signed HTTP with the clock set to last week;
the leaders' digest job then runs for that week as it would on Monday morning, and the
leaders' channel is shown: counts only, small ones suppressed, and the chart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.demo.simulator import transcript
from bot.domain.clock import utcnow
from bot.domain.reporting_week import last_full_week, reported_week
from bot.domain.schedules import Period
from bot.domain.taxonomy import IDENTITY_LABELS, PROFESSIONAL_GROUPS, IdentityMode
from bot.jobs.leaders_digest import leaders_digest_job
from bot.jobs.runner import new_owner, run_period

if TYPE_CHECKING:
    from bot.demo.stage import Scene

LEADERS_CHANNEL = "C0DEMOLEAD"
# (day of the week, staff group, elements, identity, detriment)
WEEK: list[tuple[int, str, list[str], str, str]] = [
    (0, "paramedic_clinician", ["worker_safety"], "confidential", "no"),
    (0, "call_handler", ["bullying_harassment"], "anonymous_follow_up", "yes"),
    (1, "paramedic_clinician", ["patient_safety"], "open", "no"),
    (1, "patient_transport", ["bullying_harassment", "attitudes_behaviours"], "confidential", "no"),
    (2, "paramedic_clinician", ["patient_safety", "worker_safety"], "confidential", "no"),
    (2, "clinical_hub", ["patient_safety"], "anonymous_no_contact", "unsure"),
    (3, "call_handler", ["bullying_harassment"], "confidential", "yes"),
    (3, "paramedic_clinician", ["worker_safety"], "open", "no"),
    (4, "support_corporate", ["attitudes_behaviours"], "confidential", "no"),
    (4, "paramedic_clinician", ["patient_safety"], "anonymous_follow_up", "no"),
    (4, "call_handler", ["bullying_harassment"], "confidential", "no"),
]
STAFF = [f"U0DEMOSTAFF{n}" for n in range(len(WEEK))]


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _raise(scene: Scene, user: str, values: dict[str, Any]) -> None:
    from bot.demo.stage import DemoFailure

    before = len(scene.emulator.calls_to("views.open"))
    if scene.workspace.slash_command(user, "/speakup", "").status != 200:
        raise DemoFailure("/speakup failed")
    if not scene.emulator.wait_for(lambda: len(scene.emulator.calls_to("views.open")) > before, 5):
        raise DemoFailure("/speakup did not open a modal")
    opened = [s for s in scene.emulator.opened_views() if s.method == "views.open"][-1].view
    answer = scene.workspace.submit_view(user, opened, values).json()
    if not isinstance(answer, dict) or answer.get("response_action") != "update":
        raise DemoFailure(f"the form was not accepted: {answer!r}")


def a_week_of_concerns_and_the_leaders_digest(scene: Scene) -> None:
    """Eleven concerns over last week, then the digest leaders get on Monday."""
    from bot.demo.stage import DemoFailure

    context = scene.context
    timezone = context.policy.timezone
    week = reported_week(last_full_week(utcnow(), timezone), timezone)
    scene.heading(f"A week of concerns ({week.key}): eleven members of staff speak up")
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    for number, (day, group, elements, identity, detriment) in enumerate(WEEK):
        user = STAFF[number]
        scene.emulator.add_user(user, f"Staff member {number + 1}", f"staff{number + 1}")
        moment = datetime.combine(
            week.first_day + timedelta(days=day), time(9 + number % 8), ZoneInfo(timezone)
        ).astimezone(UTC)
        context.clock = _fixed(moment)
        _raise(
            scene,
            user,
            {
                "elements": elements,
                "description": f"Demo concern {number + 1} of the week.",
                "identity": identity,
                "professional_group": group,
                "detriment": detriment,
            },
        )
        who = PROFESSIONAL_GROUPS[group].lower()
        how = IDENTITY_LABELS[IdentityMode(identity)].lower()
        scene.say(f"   {days[day]}: someone in {who} raises a concern ({how})")
    context.clock = utcnow
    scene.deliver()

    scene.heading(f"Monday 09:00: the leaders' digest job runs for {week.key}")
    job = leaders_digest_job(context.policy)
    result = run_period(context, job, Period(week.key, week.end), owner=new_owner(), now=utcnow())
    scene.say(f"   {result.note}")
    scene.deliver(timeout=120)  # the worker draws the chart (matplotlib takes a moment)
    scene.show_channel(LEADERS_CHANNEL, note=" (what the leaders see)")
    uploads = scene.emulator.uploaded_files(LEADERS_CHANNEL)
    if not uploads:
        raise DemoFailure("the digest's chart was not uploaded")
    scene.say(f"   chart: {uploads[0].name}, a {len(uploads[0].content):,}-byte PNG")

    scene.heading("Where the data went")
    posted = " ".join(
        " ".join(transcript.render_message(m)) for m in scene.emulator.messages_in(LEADERS_CHANNEL)
    )
    scene.check(
        "the digest names no reference, no text and nobody",
        "SU-" not in posted
        and "Demo concern" not in posted
        and not any(user in posted for user in STAFF),
        "searched the leaders' channel for references, concern text and staff ids",
    )
