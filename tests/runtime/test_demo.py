"""`speakup demo` and the Block Kit transcript renderer it prints with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.demo.simulator.transcript import (
    describe_answers,
    mrkdwn_to_text,
    render_message,
    render_view,
)
from bot.demo.stage import (
    GUS,
    PEOPLE,
    RILEY,
    DemoFailure,
    Scene,
    confidential_concern_reaches_the_guardians,
    run_demo,
)
from tests.support.input_blocks import choices, input_block, plain_text

REFERENCE = re.compile(r"SU-[0-9A-Z]{6}")


def section_after(transcript: str, heading: str) -> str:
    start = transcript.index(heading)
    following = transcript.find("\n── ", start + len(heading))
    return transcript[start : following if following != -1 else None]


def test_demo_tells_the_story_without_giving_anyone_away(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Whatever the operator's environment says, the demo plays in its own sandbox.
    monkeypatch.setenv("SPEAKUP_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("SPEAKUP_GUARDIAN_CHANNEL", "C0ELSEWHERE")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")

    assert run_demo() == 0
    out = capsys.readouterr().out

    assert "── Riley (paramedic) types /speakup" in out
    modal = section_after(out, "types /speakup")
    assert "┌─ Speak up" in modal
    assert "▢ What happened?" in modal
    assert "▢ How identifiable do you want to be?" in modal
    assert "[Send]" in modal

    confirmation = section_after(out, "── Riley sees")
    reference = REFERENCE.search(confirmation)
    assert reference is not None
    card = section_after(out, "#ftsu-guardians channel")
    assert f"Speak up concern {reference.group(0)}" in card
    assert "Identity: Confidential" in card
    assert "[View details]" in card
    assert "<!date" not in card
    assert "single-crewed" not in card
    assert "Riley" not in card
    dm = section_after(out, "Riley's direct messages")
    assert reference.group(0) in dm
    assert "concern text stored encrypted: yes (searched the database file for it: not found)" in (
        out
    )
    assert " NO " not in out

    for person in PEOPLE:
        assert person.user_id not in out
    assert "outbox.delivered" not in out
    assert '"event"' not in out


def test_reporter_dm_names_the_guardian_role_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # str.capitalize() in the reporter messages turns it into "A freedom to speak up guardian".
    assert run_demo([confidential_concern_reaches_the_guardians]) == 0
    dm = section_after(capsys.readouterr().out, "Riley's direct messages")
    assert "A Freedom to Speak Up guardian will acknowledge it" in " ".join(dm.split())


def test_a_story_that_goes_wrong_fails_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    def broken(scene: Scene) -> None:
        scene.say("about to fail")
        raise DemoFailure("the card never came")

    assert run_demo([broken]) == 1
    assert "The demo stopped: the card never came" in capsys.readouterr().out


def test_a_failed_check_fails_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    def leaky(scene: Scene) -> None:
        scene.check("text encrypted", False, "found it")

    assert run_demo([leaky]) == 1
    out = capsys.readouterr().out
    assert "text encrypted: NO (found it)" in out
    assert "problems: text encrypted" in out


# -- the renderer --------------------------------------------------------------------------


def names(slack_id: str) -> str | None:
    return {RILEY.user_id: "Riley", GUS.user_id: "Gus", "S0TEAM": "safeguarding-team"}.get(slack_id)


def test_mrkdwn_dates_mentions_links_and_emphasis_read_as_people_see_them() -> None:
    text = (
        ":rotating_light: *Owner* <@U0DEMOGUS>, cc <!subteam^S0TEAM> and <@U0UNKNOWN|sam>: "
        "due <!date^1795823999^{date_short_pretty}|2026-11-27 23:59 UTC> "
        "in <#C0ABC|guardians>, see <https://example.org/policy|the policy> _soon_ &amp; more"
    )
    assert mrkdwn_to_text(text, names) == (
        "🚨 Owner @Gus, cc @safeguarding-team and @sam: due 2026-11-27 23:59 UTC in "
        "#guardians, see the policy soon & more"
    )


def test_message_blocks_render_headers_fields_context_and_buttons() -> None:
    message = {
        "text": "fallback",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Card SU-ABC123"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Owner*\n<@U0DEMOGUS>"},
                    {"type": "mrkdwn", "text": "*Raised*\n<!date^1^{ago}|5 minutes ago>"},
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": ":warning: Overdue"}]},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "View details"}},
                    {"type": "button", "text": {"type": "plain_text", "text": "Close"}},
                ],
            },
        ],
    }
    assert render_message(message, names) == [
        "Card SU-ABC123",
        "══════════════",
        "",
        "  Owner: @Gus",
        "  Raised: 5 minutes ago",
        "",
        "  ┆ ⚠️ Overdue",
        "",
        "[View details]  [Close]",
    ]
    assert render_message({"text": "Hello <@U0DEMORILEY>"}, names) == ["Hello @Riley"]


def test_modal_inputs_show_as_boxes_with_their_choices() -> None:
    view = {
        "type": "modal",
        "title": plain_text("Speak up"),
        "submit": plain_text("Send"),
        "close": plain_text("Cancel"),
        "blocks": [
            input_block(
                "identity",
                "Who may know?",
                choices(
                    "radio_buttons",
                    "identity",
                    [
                        {"text": plain_text("Open"), "value": "open"},
                        {
                            "text": plain_text("Anonymous"),
                            "value": "anon",
                            "description": plain_text("Nobody knows"),
                        },
                    ],
                ),
            ),
            input_block(
                "where",
                "Where?",
                {"type": "plain_text_input", "action_id": "where"},
                optional=True,
            ),
        ],
    }
    assert render_view(view) == [
        "┌─ Speak up " + "─" * 32,
        "│ ▢ Who may know?",
        "│     ( ) Open",
        "│     ( ) Anonymous — Nobody knows",
        "│",
        "│ ▢ Where? (optional)",
        "│     [one line of text]",
        "└─ [Cancel]  [Send]",
    ]
    assert describe_answers(view, {"identity": "anon", "where": "Ward 7"}) == [
        "Who may know?: Anonymous",
        "Where?: “Ward 7”",
    ]


def test_plain_text_draws_emoji_codes_as_slack_does() -> None:
    header = {"type": "header", "text": {"type": "plain_text", "text": ":rotating_light: URGENT"}}
    assert render_message({"blocks": [header]})[0] == "🚨 URGENT"
