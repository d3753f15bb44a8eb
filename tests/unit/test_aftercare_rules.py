"""What a learning summary may not say, and the only date it carries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.aftercare import learning_text_problem, month_label


@pytest.mark.parametrize(
    "text",
    [
        "Raised as SU-7KQ2MX about the rota",
        "See sg-ab12cd",
        "Thanks to <@U0123ABCD> for raising it",
        "U0123ABCD spoke up",
        "<!channel> we changed the rota",
        "On 12 March the rota changed",
        "From March 3rd nobody works alone",
        "Since 03/11 the rota is safer",
        "Changed on 2026-11-30",
        "The Tuesday meeting agreed a new rota",
    ],
)
def test_identifying_details_are_refused(text: str) -> None:
    assert learning_text_problem(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Staff told us lone working at night felt unsafe; in March we changed the rota.",
        "You said handovers were rushed. We added ten minutes to every shift change in 2026.",
    ],
)
def test_general_learning_passes(text: str) -> None:
    assert learning_text_problem(text) is None


def test_the_month_is_the_trusts_month() -> None:
    # 23:30 UTC on 31 May is already June in British Summer Time.
    assert month_label(datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "Europe/London") == "June 2026"
