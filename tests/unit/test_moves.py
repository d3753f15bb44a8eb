"""The allowed-moves table: every move from every status, and the words of each refusal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import moves
from bot.domain.moves import IllegalMove, Move, MoveDetails
from bot.domain.taxonomy import Stage, Status

EXPECTED = {
    (Move.ACKNOWLEDGE, Status.RECEIVED): True,
    (Move.ACKNOWLEDGE, Status.ACKNOWLEDGED): False,
    (Move.ACKNOWLEDGE, Status.IN_PROGRESS): False,
    (Move.ACKNOWLEDGE, Status.CLOSED): False,
    (Move.UPDATE_STATUS, Status.RECEIVED): False,
    (Move.UPDATE_STATUS, Status.ACKNOWLEDGED): True,
    (Move.UPDATE_STATUS, Status.IN_PROGRESS): True,
    (Move.UPDATE_STATUS, Status.CLOSED): False,
    (Move.CLOSE, Status.RECEIVED): False,
    (Move.CLOSE, Status.ACKNOWLEDGED): True,
    (Move.CLOSE, Status.IN_PROGRESS): True,
    (Move.CLOSE, Status.CLOSED): False,
    (Move.REOPEN, Status.RECEIVED): False,
    (Move.REOPEN, Status.ACKNOWLEDGED): False,
    (Move.REOPEN, Status.IN_PROGRESS): False,
    (Move.REOPEN, Status.CLOSED): True,
}
GOOD_DETAILS = MoveDetails(stage=Stage.INVESTIGATING, outcome="not_upheld")


def test_the_table_covers_every_move_from_every_status() -> None:
    assert {(m, s) for m in Move for s in Status} == set(EXPECTED)


@pytest.mark.parametrize(("move", "status"), sorted(EXPECTED))
def test_each_move_from_each_status(move: Move, status: Status) -> None:
    allowed = EXPECTED[(move, status)]
    assert (status in moves.ALLOWED_FROM[move]) is allowed
    if allowed:
        moves.check_move(move, "SU-1", status, GOOD_DETAILS)
    else:
        with pytest.raises(IllegalMove) as refused:
            moves.check_move(move, "SU-1", status, GOOD_DETAILS)
        assert "SU-1" in str(refused.value)


def test_refusals_say_what_to_do_next() -> None:
    with pytest.raises(IllegalMove, match="Reopen it first"):
        moves.check_move(Move.CLOSE, "SU-1", Status.CLOSED, GOOD_DETAILS)
    with pytest.raises(IllegalMove, match="Acknowledge it first"):
        moves.check_move(Move.CLOSE, "SU-1", Status.RECEIVED, GOOD_DETAILS)
    with pytest.raises(IllegalMove, match="nothing to reopen"):
        moves.check_move(Move.REOPEN, "SU-1", Status.IN_PROGRESS, GOOD_DETAILS)


def test_a_status_update_needs_a_stage_and_a_close_needs_a_known_outcome() -> None:
    with pytest.raises(IllegalMove, match="stage"):
        moves.check_move(Move.UPDATE_STATUS, "SU-1", Status.ACKNOWLEDGED, MoveDetails())
    with pytest.raises(IllegalMove, match="outcome"):
        moves.check_move(Move.CLOSE, "SU-1", Status.IN_PROGRESS, MoveDetails(outcome="made_up"))


def test_thread_lines_name_who_and_never_carry_text() -> None:
    details = MoveDetails(outcome="not_upheld", findings="SECRET", reporter_message="SECRET")
    line = moves.card_line(Move.CLOSE, "U1", details)
    assert line == "<@U1> closed this concern: looked into, not upheld."
    assert "SECRET" not in line


def test_reporter_summary_says_when_they_will_hear_next() -> None:
    text = moves.reporter_summary(
        Move.ACKNOWLEDGE,
        kind="safeguarding",
        shown_status=Status.ACKNOWLEDGED,
        outcome=None,
        next_update=datetime(2026, 12, 14, tzinfo=UTC),
    )
    assert text.startswith("The safeguarding team has acknowledged")
    assert "14 December 2026" in text
