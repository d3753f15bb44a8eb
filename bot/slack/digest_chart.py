"""The leaders' digest as a picture: the 13-week trend and open cases by age (PNG).

Drawn with matplotlib's Agg backend in the delivery worker, never on a request's path. It
draws only the digest's printed figures: a count shown as "<5", "*" or "–" gets no bar, only
its mark, so a suppressed count is never drawn to scale.
"""

from __future__ import annotations

import io
from typing import Any

Digest = dict[str, Any]
_NEW, _CLOSED, _OPEN = "#005EB8", "#768692", "#330072"  # NHS blue, mid grey, purple


def _number(text: str) -> int | None:
    """A printed count as a number, or None for a suppression mark."""
    plain = text.replace(",", "")
    return int(plain) if plain.isdigit() else None


def _bars(axes: Any, positions: list[float], texts: list[str], width: float, colour: str,
          label: str) -> None:  # fmt: skip
    heights = [_number(t) or 0 for t in texts]
    axes.bar(positions, heights, width, color=colour, label=label)
    for x, text, height in zip(positions, texts, heights, strict=True):
        shown = text if _number(text) is None else (text if height else "")
        if shown:
            axes.annotate(shown, (x, height), ha="center", va="bottom", fontsize=7,
                          xytext=(0, 2), textcoords="offset points")  # fmt: skip


def render_chart(digest: Digest) -> bytes:
    """The PNG's bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.6), dpi=100)
    trend_axes, age_axes = figure.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
    weeks = digest["trend"]
    positions = list(range(len(weeks)))
    _bars(trend_axes, [p - 0.2 for p in positions], [w["new"] for w in weeks], 0.4, _NEW, "New")
    _bars(trend_axes, [p + 0.2 for p in positions], [w["closed"] for w in weeks], 0.4, _CLOSED,
          "Closed")  # fmt: skip
    trend_axes.set_xticks(positions, [f"-{len(weeks) - 1 - p}" if p < len(weeks) - 1 else "this"
                                      for p in positions], fontsize=7)  # fmt: skip
    trend_axes.set_xlabel("weeks before the reported week", fontsize=8)
    trend_axes.set_title(f"Speak up cases, 13 weeks to {digest['week']}", fontsize=9)
    trend_axes.legend(fontsize=7, frameon=False)

    bands = digest["open_by_age"]
    _bars(age_axes, list(range(len(bands))), [b["count"] for b in bands], 0.6, _OPEN, "Open")
    age_axes.set_xticks(list(range(len(bands))), [b["label"] for b in bands], fontsize=7)
    age_axes.set_title("Open cases by age at the end of the week", fontsize=9)
    t = digest["threshold"]
    figure.text(0.01, 0.01, f'"<{t}": 1 to {t - 1} cases; "*": hidden so a small number cannot '
                "be worked out; no bar is drawn for either.", fontsize=7)  # fmt: skip
    for axes in (trend_axes, age_axes):
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(axis="y", labelsize=7)
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    buffer = io.BytesIO()
    # No metadata beyond the image itself (matplotlib would add its version and the software).
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
