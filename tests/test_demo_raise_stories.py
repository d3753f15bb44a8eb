"""The raise experience's demo stories play end to end and show what they promise."""

from __future__ import annotations

import io

from bot.demo.raise_stories import RAISE_STORIES
from bot.demo.stage import run_demo


def test_the_safeguarding_and_no_contact_stories_play_without_problems() -> None:
    out = io.StringIO()
    assert run_demo(RAISE_STORIES, out=out) == 0, out.getvalue()[-2000:]
    text = out.getvalue()
    assert "Call 999 now" in text
    assert "URGENT Safeguarding concern SG-" in text
    assert "Your receipt:" in text and "Copy this now: we cannot show it again" in text
    assert "nothing of an anonymous reporter's reply" in text
    assert "The reporter replied." not in text
    assert "No concern matches that receipt" in text
    assert ": NO (" not in text
