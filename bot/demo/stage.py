"""`speakup demo`: scripted stories played against the real app and a local stand-in for Slack.

Nothing leaves the computer and nothing needs configuring: the demo makes a throw-away SQLite
database and key, starts the Slack Web API emulator and the real app over HTTP, then plays
each story through the simulated workspace with signed requests, printing what every person
sees in Slack. A story is a function taking the `Scene`; add one to `STORIES` to extend it.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select

from bot.demo.ladder_story import a_missed_referral_climbs_the_ladder
from bot.demo.leaders_story import LEADERS_CHANNEL, a_week_of_concerns_and_the_leaders_digest
from bot.demo.raise_stories import RAISE_STORIES
from bot.demo.simulator import transcript
from bot.demo.simulator.web_api import SlackWebApiEmulator
from bot.demo.simulator.workspace import HttpResult, SlackWorkspace
from bot.demo.triage_story import the_guardians_act_and_riley_is_kept_informed
from bot.runtime.context import Service, build_context
from bot.runtime.logs import configure_logging
from bot.runtime.server import start_http
from bot.runtime.settings import Settings, load_settings
from storage.crypto import generate_key
from storage.models import OutboxItem
from storage.outbox import PENDING

GUARDIAN_CHANNEL = "C0DEMOFTSU"
SAFEGUARDING_CHANNEL = "C0DEMOSAFE"
SAFEGUARDING_GROUP = "S0DEMOSAFE"
DEMO_BOT_TOKEN = "xoxb-speakup-demo"  # noqa: S105 - a placeholder only the emulator sees
REFERENCE = re.compile(r"\b(?:SU|SG)-[0-9A-Z]{6}\b")


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    role: str

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


RILEY = Person("U0DEMORILEY", "Riley", "paramedic")
GITA = Person("U0DEMOGITA", "Gita", "FTSU guardian")
GUS = Person("U0DEMOGUS", "Gus", "FTSU guardian")
SAM = Person("U0DEMOSAM", "Sam", "safeguarding lead")
LEE = Person("U0DEMOLEE", "Lee", "head of safeguarding")
ELLA = Person("U0DEMOELLA", "Ella", "director of quality")
PEOPLE = (RILEY, GITA, GUS, SAM, LEE, ELLA)
CHANNEL_NAMES = {
    GUARDIAN_CHANNEL: "ftsu-guardians",
    SAFEGUARDING_CHANNEL: "safeguarding",
    LEADERS_CHANNEL: "leaders",
}
GROUP_NAMES = {SAFEGUARDING_GROUP: "safeguarding-team"}


class DemoFailure(Exception):
    """Something a story expects did not happen: the demo says so and exits non-zero."""


@dataclass
class Scene:
    """The stage every story plays on, and the printer for what people see."""

    workspace: SlackWorkspace
    emulator: SlackWebApiEmulator
    context: Service
    database_path: Path
    out: TextIO
    problems: list[str] = field(default_factory=list)

    # -- printing ------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        """Narration, as is."""
        print(text, file=self.out)

    def heading(self, text: str) -> None:
        """A new moment in the story: "── Riley (paramedic) types /speakup"."""
        self.say()
        self.say(f"── {text}")

    def show(self, lines: Sequence[str], indent: str = "   ") -> None:
        for line in lines:
            self.say((indent + line).rstrip())

    def show_view(self, view: Mapping[str, Any]) -> None:
        self.show(transcript.render_view(view, self.name))

    def show_message(self, message: Mapping[str, Any]) -> None:
        self.show(transcript.render_message(message, self.name))

    def show_channel(self, channel: str, *, since: int = 0, note: str = "") -> None:
        """The channel's messages from the `since`-th on, under a channel heading."""
        self.heading(f"#{CHANNEL_NAMES.get(channel, channel)} channel{note}")
        for message in self.emulator.messages_in(channel)[since:]:
            self.say()
            self.show_message(message)

    def show_dm(self, person: Person) -> None:
        """The person's direct messages with the app."""
        self.heading(f"{person.name}'s direct messages with the app")
        for message in self.emulator.messages_in(person.user_id):
            self.say()
            self.show_message(message)

    def check(self, label: str, ok: bool, evidence: str) -> None:
        """One line of the "where the data went" account; a failed check fails the demo."""
        self.show(transcript.wrap_hanging(f"{label}: {'yes' if ok else 'NO'} ({evidence})"))
        if not ok:
            self.problems.append(label)

    def name(self, slack_id: str) -> str | None:
        """A Slack id as people see it (the transcript renders mentions with this)."""
        if slack_id in CHANNEL_NAMES:
            return CHANNEL_NAMES[slack_id]
        if slack_id in GROUP_NAMES:
            return GROUP_NAMES[slack_id]
        record = self.emulator.user_record(slack_id)
        if record is None:
            return None
        profile = record.get("profile") or {}
        return str(profile.get("display_name") or record.get("real_name") or slack_id)

    # -- acting ------------------------------------------------------------------------

    def open_raise_modal(self, person: Person) -> dict[str, Any]:
        """/speakup in the person's DM with the app; returns the modal it opened."""
        opened_before = len(self.emulator.calls_to("views.open"))
        result = self.workspace.slash_command(person.user_id, "/speakup", "")
        if result.status != 200:
            raise DemoFailure(f"/speakup was answered with HTTP {result.status}")
        if not self.emulator.wait_for(
            lambda: len(self.emulator.calls_to("views.open")) > opened_before, 5
        ):
            raise DemoFailure("/speakup did not open a modal")
        opened = [sent for sent in self.emulator.opened_views() if sent.method == "views.open"]
        return opened[-1].view

    def submit(self, person: Person, view: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        """Press the modal's submit button; returns the app's acknowledgement body."""
        result: HttpResult = self.workspace.submit_view(person.user_id, view, values)
        if result.status != 200:
            raise DemoFailure(f"the form was answered with HTTP {result.status}")
        self.say(
            f"   (Slack had the app's answer in {result.elapsed * 1000:.0f} ms; its limit is 3 s)"
        )
        return result.json()

    def deliver(self, timeout: float = 10.0) -> None:
        """Let the outbox worker send everything queued, and wait until it has."""
        self.context.wake_outbox()
        if not self.emulator.wait_for(lambda: self.pending_deliveries() == 0, timeout):
            raise DemoFailure(f"the outbox did not deliver within {timeout:.0f} s")

    def pending_deliveries(self) -> int:
        with self.context.db.transaction() as session:
            count = session.scalar(
                select(func.count(OutboxItem.id)).where(OutboxItem.status == PENDING)
            )
        return int(count or 0)

    def database_contains(self, text: str) -> bool:
        """Whether `text` appears anywhere in the database file or its write-ahead log."""
        needle = text.encode("utf-8")
        return any(
            needle in path.read_bytes()
            for path in (self.database_path, Path(f"{self.database_path}-wal"))
            if path.exists()
        )


Story = Callable[[Scene], None]


# -- the stories ---------------------------------------------------------------------------


def confidential_concern_reaches_the_guardians(scene: Scene) -> None:
    """A paramedic raises a confidential concern; the guardians get a card without the text."""
    description = (
        "On nights at Northtown station we are often sent out single-crewed on the rapid "
        "response car, with nobody to call if a patient turns violent. Two of us were "
        "assaulted last month."
    )
    scene.heading(f"{RILEY} types /speakup in a direct message with the app")
    form = scene.open_raise_modal(RILEY)
    scene.show_view(form)

    answers = {
        "elements": ["worker_safety", "patient_safety"],
        "description": description,
        "identity": "confidential",
        "professional_group": "paramedic_clinician",
    }
    scene.heading(f"{RILEY.name} fills in the form and presses Send")
    scene.show(transcript.describe_answers(form, answers, scene.name))
    ack = scene.submit(RILEY, form, answers)
    if not isinstance(ack, dict) or ack.get("response_action") != "update":
        raise DemoFailure(f"the form was not accepted: {ack!r}")

    scene.heading(f"{RILEY.name} sees")
    scene.show_view(ack["view"])
    shown = " ".join(transcript.render_view(ack["view"]))
    found = REFERENCE.search(shown)
    if found is None:
        raise DemoFailure("the confirmation carries no reference")
    reference = found.group(0)

    scene.deliver()
    scene.show_channel(
        GUARDIAN_CHANNEL, note=f" (what {GITA.name} and {GUS.name}, the guardians, see)"
    )
    scene.show_dm(RILEY)

    card = " ".join(
        " ".join(transcript.render_message(m)) for m in scene.emulator.messages_in(GUARDIAN_CHANNEL)
    )
    scene.heading("Where the data went")
    text_in_clear = scene.database_contains(description[:40])
    scene.check(
        "concern text stored encrypted",
        not text_in_clear,
        "searched the database file for it: " + ("FOUND" if text_in_clear else "not found"),
    )
    id_in_clear = scene.database_contains(RILEY.user_id)
    scene.check(
        f"{RILEY.name}'s Slack id kept out of the database",
        not id_in_clear,
        f"searched the database file for {RILEY.name}'s id: "
        + ("FOUND" if id_in_clear else "not found; it is only sealed, plus a keyed blind index"),
    )
    scene.check(
        "the guardians' card carries the reference and no free text or name",
        reference in card and description[:40] not in card and RILEY.name not in card,
        "details open only from the card's View details button, for a guardian, and are audited",
    )


STORIES: list[Story] = [
    confidential_concern_reaches_the_guardians,
    the_guardians_act_and_riley_is_kept_informed,
    *RAISE_STORIES,
    a_missed_referral_climbs_the_ladder,
    a_week_of_concerns_and_the_leaders_digest,
]


# -- running -------------------------------------------------------------------------------


def _demo_settings(emulator: SlackWebApiEmulator, database_url: str, secret: str) -> Settings:
    """Settings for the sandbox alone: every field given, so no environment or file leaks in."""
    values: dict[str, Any] = {
        name: info.get_default(call_default_factory=True)
        for name, info in Settings.model_fields.items()
    }
    values.update(
        slack_bot_token=DEMO_BOT_TOKEN,
        slack_signing_secret=secret,
        slack_app_token=None,
        slack_api_url=emulator.base_url,
        database_url=database_url,
        speakup_encryption_keys=generate_key(),
        speakup_guardian_channel=GUARDIAN_CHANNEL,
        speakup_safeguarding_channel=SAFEGUARDING_CHANNEL,
        speakup_leaders_channel=LEADERS_CHANNEL,
        speakup_guardians=[GITA.user_id, GUS.user_id],
        speakup_safeguarding_team=[SAFEGUARDING_GROUP],
        speakup_safeguarding_leads=[LEE.user_id],
        speakup_executive_leads=[ELLA.user_id],
        speakup_outbox_poll_seconds=0.2,
        speakup_outbox_backoff_seconds=0.1,
        speakup_outbox_backoff_cap=1.0,
    )
    config = os.environ.pop("SPEAKUP_CONFIG", None)  # an operator's file must not steer the demo
    try:
        return load_settings(**values)
    finally:
        if config is not None:
            os.environ["SPEAKUP_CONFIG"] = config


@contextmanager
def _stage(directory: Path, out: TextIO) -> Iterator[Scene]:
    """The emulator, the database and the app over HTTP; all torn down afterwards."""
    secret = secrets.token_hex(16)
    database_path = directory / "speakup-demo.db"
    with SlackWebApiEmulator() as emulator:
        for person in PEOPLE:
            emulator.add_user(person.user_id, f"{person.name} ({person.role})", person.name)
        emulator.add_usergroup(SAFEGUARDING_GROUP, [SAM.user_id])
        context = build_context(_demo_settings(emulator, f"sqlite:///{database_path}", secret))
        try:
            context.db.upgrade()
            server = start_http(context)
            try:
                workspace = SlackWorkspace(f"{server.url}/slack/events", secret, emulator)
                yield Scene(workspace, emulator, context, database_path, out)
            finally:
                server.stop()
        finally:
            context.db.dispose()


def _quiet_logs() -> None:
    configure_logging("WARNING", json=False)
    # Bolt's own warnings are about the app's wiring, not the story; keep them out.
    logging.getLogger("speakup.bolt").setLevel(logging.ERROR)
    # Overdue deadlines are the ladder story's point, not news for whoever runs the demo.
    logging.getLogger("bot.jobs").setLevel(logging.ERROR)


def run_demo(stories: Sequence[Story] | None = None, *, out: TextIO | None = None) -> int:
    """Play the stories and print the transcript; 0 if every story went as it should."""
    out = out or sys.stdout
    _quiet_logs()
    print(
        "speakup demo: the real app, over signed HTTP, against a local stand-in for Slack and "
        "a throw-away encrypted database. Nothing leaves this computer.",
        file=out,
    )
    with tempfile.TemporaryDirectory(prefix="speakup-demo-") as directory:
        try:
            with _stage(Path(directory), out) as scene:
                for story in STORIES if stories is None else stories:
                    scene.say()
                    scene.say("━" * 72)
                    scene.say((story.__doc__ or story.__name__).strip())
                    scene.say("━" * 72)
                    story(scene)
                problems = list(scene.problems)
        except DemoFailure as failure:
            print(f"\nThe demo stopped: {failure}", file=out)
            return 1
    if problems:
        print(f"\nThe demo found problems: {'; '.join(problems)}", file=out)
        return 1
    print("\nThe demo's database and keys have been deleted.", file=out)
    return 0
