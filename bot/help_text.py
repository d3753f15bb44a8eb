"""Words shown to staff in Slack: the guide and the gentle answer to a mistyped command."""

from __future__ import annotations

GUIDE = (
    "*Speak up safely*\n"
    "• `/speakup` opens a short form to raise a concern with a Freedom to Speak Up guardian, "
    "or a safeguarding concern if someone is at risk of harm.\n"
    "• `/speakup status` lists your concerns and where they are.\n"
    "• `/speakup status <receipt>` checks an anonymous, no-contact concern with its receipt.\n"
    "• `/speakup help` shows this guide.\n\n"
    "You choose how identifiable to be: *open*, *confidential*, *anonymous with follow-up* "
    "or *anonymous with no contact*. Only this message is visible to you.\n"
    ":rotating_light: If anyone is in immediate danger, call 999 now."
)


def unknown_command(text: str) -> str:
    shown = text[:40].replace("`", "'")
    return f"Sorry, I don't know `{shown}`.\n\n{GUIDE}"
