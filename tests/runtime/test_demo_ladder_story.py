"""The demo's escalation story: a missed referral climbs the ladder, printed as people see it."""

from __future__ import annotations

import io

from bot.demo.ladder_story import DESCRIPTION, a_missed_referral_climbs_the_ladder
from bot.demo.stage import ELLA, LEE, RILEY, run_demo


def test_a_missed_referral_climbs_to_the_executives_and_stops_when_made() -> None:
    out = io.StringIO()
    assert run_demo([a_missed_referral_climbs_the_ladder], out=out) == 0, out.getvalue()[-3000:]
    text = out.getvalue()
    assert "will acknowledge it within the hour, by" in text
    assert "In #safeguarding, a reply in the card's thread:" in text
    assert "In #safeguarding, a new message:" in text
    assert f"{LEE} gets a direct message:" in text
    assert f"{ELLA} gets a direct message:" in text
    assert "is overdue" in text and "Owner: @Sam" in text
    assert text.index(f"{LEE} gets") < text.index(f"{ELLA} gets")
    after_referral = text[text.index("Sam records the referral") :]
    assert "Nothing: nobody is told anything new." in after_referral
    assert ": NO (" not in text
    assert DESCRIPTION[:30] not in text and RILEY.user_id not in text
