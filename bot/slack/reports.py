"""A channel file's bytes, made from its outbox payload at delivery time."""

from __future__ import annotations

from typing import Any

from bot.flows.effects import FileRender
from bot.slack.digest_chart import render_chart


def render_file(payload: dict[str, Any]) -> bytes:
    render = FileRender(payload["render"])
    if render is FileRender.LEADERS_CHART:
        return render_chart(payload["source"])
    return str(payload["source"]).encode("utf-8")
