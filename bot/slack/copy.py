"""Words shown to staff in Slack: the guide, the front-door texts and the honest caveats."""

from __future__ import annotations

from bot.flows.reporter_actions import Refusal

EMERGENCY_LINE = (
    ":rotating_light: *If anyone is in immediate danger, call 999 now.* "
    "This app never replaces 999."
)
HONESTY_LINE = (
    "What the app can and cannot promise: the trust's IT team who run this bot hold the keys "
    "that unlock concerns. Slack carries this form to the app, as it carries all Slack "
    "traffic, and can see that you used the app. Anonymous concerns are harder to investigate "
    "and to give feedback on."
)

SERVICE = (
    "*Freedom to Speak Up* guardians help anyone who works or volunteers for the trust "
    "(staff, students, bank and agency workers) raise concerns about anything that gets in "
    "the way of good care or a good working life: patient safety, bullying or harassment, "
    "behaviour, your own or colleagues' safety and wellbeing. Speaking up is always welcome "
    "and you should never suffer for it.\n"
    "The *safeguarding team* acts when a patient, a colleague or anyone else may be at risk "
    "of harm, abuse or neglect."
)

WAYS_IN = (
    "*Ways in*: the *Raise a concern* button, `/speakup`, the *Raise a concern* shortcut "
    "(the lightning bolt or + menu), or a message to me.\n"
    "`/speakup status` lists your concerns; `/speakup status <receipt>` checks an anonymous, "
    "no-contact concern and lets you answer the guardians."
)

GUIDE = (
    "*Speak up safely*\n"
    "• `/speakup` opens a short form to raise a concern with a Freedom to Speak Up guardian, "
    "or a safeguarding concern if someone is at risk of harm "
    "(`/speakup safeguarding` opens that form directly).\n"
    "• `/speakup status` lists your concerns and where they are.\n"
    "• `/speakup status <receipt>` checks an anonymous, no-contact concern with its receipt.\n"
    "• `/speakup help` shows this guide.\n"
    "• Guardians: `/speakup record` records a concern raised with you in person, by phone, "
    "email or letter.\n"
    "• Guardian and safeguarding leads: `/speakup hold <reference>` keeps a concern's details "
    "past its retention period (a legal hold); `/speakup release <reference>` lifts it.\n"
    "The *Raise a concern* shortcut, the button on my Home tab and a message to me open the "
    "same form.\n\n"
    "You choose how identifiable to be: *open*, *confidential*, *anonymous with follow-up* "
    "or *anonymous with no contact*. Only this message is visible to you.\n"
    ":rotating_light: If anyone is in immediate danger, call 999 now."
)

DM_WELCOME = (
    "Hello. I'm the trust's speak-up app: I pass concerns to the Freedom to Speak Up "
    "guardians, or to the safeguarding team if someone may be at risk of harm, and I keep "
    "what you tell me encrypted.\n"
    "*Please don't write your concern in this chat*: I don't read or keep messages here, and "
    "Slack keeps them like any other message. Press *Raise a concern* to use the private "
    "form, where you also choose how identifiable you want to be."
)
DM_FOOTER = "`/speakup help` explains everything. If anyone is in immediate danger, call 999 now."


def unknown_command(text: str) -> str:
    shown = text[:40].replace("`", "'")
    return f"Sorry, I don't know `{shown}`.\n\n{GUIDE}"


FORM_TAMPERED = "This form was changed on its way back to us. Please close it and start again."
REPLIES_CLOSED = (
    "This concern has been closed, so replies are no longer passed on. If there is more to "
    "say, raise a new concern with /speakup."
)
FEEDBACK_RECORDED = "Thank you: your feedback on this concern is already recorded."
NOT_YOURS = "This button belongs to someone else's concern, so it does nothing for you."

_REPORTER_REFUSALS = {
    Refusal.NOT_YOURS: NOT_YOURS,
    Refusal.TAMPERED: FORM_TAMPERED,
    Refusal.CLOSED: REPLIES_CLOSED,
    Refusal.REOPENED: "Your concern has been reopened, so feedback can wait until it closes.",
    Refusal.FEEDBACK_GIVEN: FEEDBACK_RECORDED,
    Refusal.CHECKIN_ANSWERED: "Thank you: your answer to this check-in is already recorded.",
    Refusal.CHECKIN_REOPENED: (
        "Your concern has been reopened and a guardian is looking at it again, so this button "
        "does nothing now. You can reply to them from their messages here."
    ),
}


def reporter_refusal(why: Refusal, detail: str = "") -> str:
    """What a reporter reads when their button or form did nothing."""
    return detail or _REPORTER_REFUSALS[why]
