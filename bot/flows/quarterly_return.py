"""The quarterly return to the national speak-up collection: aggregate counts as a CSV.

Cases are speak-up concerns counted by the date they were raised, in UK time; feedback is
counted by the date it was given, and detriment by the date it was indicated (at raising, on
a guardian's record, or at the after-closure check-in: a case closed in one quarter whose
reporter says in the next that they were treated worse counts in the next). Counts are not
suppressed: the return goes to the national collection, not to a channel of readers. Which
figure goes in which column is configurable (bot.domain.taxonomy.QUARTERLY_COLUMNS is the
default).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.policy import Policy
from bot.domain.schedules import quarter_bounds
from bot.domain.taxonomy import (
    ELEMENTS,
    FEEDBACK_ANSWERS,
    NATIONAL_PROFESSIONAL_GROUPS,
    ConcernKind,
    IdentityMode,
    national_group_of,
)
from storage.models import Concern

UK_TIME = "Europe/London"
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
_QUARTER = re.compile(r"^[Qq]([1-4])$")


class BadQuarter(ValueError):
    """Not a financial year and quarter such as 2026/27 Q2 (the message says so)."""


def parse_quarter(financial_year: str, quarter: str) -> tuple[str, int]:
    """("2026/27", "Q2") -> ("2026/27", 2), or BadQuarter."""
    year = _YEAR.match(financial_year.strip())
    if not year or (int(year.group(1)) + 1) % 100 != int(year.group(2)):
        raise BadQuarter(f"{financial_year!r} is not a financial year such as 2026/27")
    number = _QUARTER.match(quarter.strip())
    if not number:
        raise BadQuarter(f"{quarter!r} is not a quarter: use Q1 (April to June) to Q4")
    return financial_year.strip(), int(number.group(1))


def period_key(financial_year: str, quarter: int) -> str:
    return f"{financial_year}-Q{quarter}"


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def quarterly_figures(
    session: Session, policy: Policy, financial_year: str, quarter: int
) -> dict[str, str | int]:
    """Every figure the return can carry, by its name (see taxonomy.QUARTERLY_FIGURES)."""
    first, after = quarter_bounds(financial_year, quarter)
    zone = ZoneInfo(UK_TIME)
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(after, time(0), zone).astimezone(UTC)
    speak_up = Concern.kind == ConcernKind.SPEAK_UP.value
    raised = and_(speak_up, Concern.created_at >= start, Concern.created_at < end)
    anonymous = (IdentityMode.ANONYMOUS_FOLLOW_UP.value, IdentityMode.ANONYMOUS_NO_CONTACT.value)
    elements = cast(Concern.elements, String)
    row = session.execute(
        select(
            func.count(),
            _count(Concern.identity_mode.in_(anonymous)),
            *[_count(elements.like(f'%"{key}"%')) for key in ELEMENTS],
        ).where(raised)
    ).one()
    figures: dict[str, str | int] = {
        "org_code": policy.reporting.org_code,
        "financial_year": financial_year,
        "quarter": f"Q{quarter}",
        "cases_total": int(row[0]),
        "cases_anonymous": int(row[1]),
        "cases_detriment": _detriment_indicated(session, start, end),
    }
    for key, count in zip(ELEMENTS, row[2:], strict=True):
        figures[f"element:{key}"] = int(count)
    groups = dict.fromkeys(NATIONAL_PROFESSIONAL_GROUPS, 0)
    for group, count in session.execute(
        select(Concern.professional_group, func.count())
        .where(raised)
        .group_by(Concern.professional_group)
    ):
        groups[national_group_of(group)] += int(count)
    figures.update({f"group:{key}": count for key, count in groups.items()})
    answers = dict.fromkeys(FEEDBACK_ANSWERS, 0)
    for answer, count in session.execute(
        select(Concern.feedback, func.count())
        .where(speak_up, Concern.feedback_given_at >= start, Concern.feedback_given_at < end)
        .group_by(Concern.feedback)
    ):
        if answer in answers:
            answers[str(answer)] += int(count)
    figures.update({f"feedback:{key}": count for key, count in answers.items()})
    figures["feedback_responses"] = sum(answers.values())
    return figures


def _detriment_indicated(session: Session, start: datetime, end: datetime) -> int:
    """Speak-up cases whose detriment was indicated in [start, end)."""
    indicated = func.coalesce(Concern.detriment_indicated_at, Concern.created_at)
    return int(
        session.scalar(
            select(func.count()).where(
                Concern.kind == ConcernKind.SPEAK_UP.value,
                Concern.detriment == "yes",
                indicated >= start,
                indicated < end,
            )
        )
        or 0
    )


def quarterly_csv(session: Session, policy: Policy, financial_year: str, quarter: int) -> str:
    """The return: a header of column names and one row of figures."""
    figures = quarterly_figures(session, policy, financial_year, quarter)
    columns = policy.reporting.quarterly_columns
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([column for column, _ in columns])
    writer.writerow([figures[figure] for _, figure in columns])
    return out.getvalue()


def return_filename(financial_year: str, quarter: int) -> str:
    return f"speakup-quarterly-return-{financial_year.replace('/', '-')}-Q{quarter}.csv"
