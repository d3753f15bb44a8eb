"""Writes that arrive together share one transaction, and each still succeeds or fails alone."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.demo.simulator.workspace import HttpResult
from storage.audit_check import verify
from storage.db import Database
from storage.group_commit import GroupCommit
from storage.models import AuditEntry, Concern, ProcessedEvent
from storage.rows import add_row
from tests.harness import GUARDIAN_CHANNEL, REPORTER, Harness

ROWS = ProcessedEvent.__table__


class Writer:
    """Adds a row per item (as raises do); the item "hold" waits until released, so others
    queue up."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.holding = threading.Event()
        self.sessions: dict[str, Session] = {}
        self.calls: list[str] = []

    def __call__(self, session: Session, item: str) -> str:
        self.calls.append(item)
        if item == "down":
            raise OperationalError("INSERT ...", {}, Exception("the server closed the connection"))
        if item == "hold":
            self.holding.set()
            assert self.release.wait(10)
        self.sessions[item] = session
        add_row(session, ProcessedEvent, {"event_id": item, "at": datetime.now(UTC)})
        return item.upper()


def stored(db: Database) -> list[str]:
    with db.transaction() as session:
        return sorted(session.scalars(select(ProcessedEvent.event_id)))


def queue_behind_a_held_write(
    group: GroupCommit[str, str], writer: Writer, items: list[str], pool: ThreadPoolExecutor
) -> tuple[Future[str], dict[str, Future[str]]]:
    held = pool.submit(group.run, "hold")
    assert writer.holding.wait(10)
    queued = {item: pool.submit(group.run, item) for item in items}
    time.sleep(0.3)  # every caller is waiting by now
    writer.release.set()
    return held, queued


def test_one_write_alone_is_committed_before_its_caller_hears_back(db: Database) -> None:
    group = GroupCommit(db, Writer())
    assert group.run("solo") == "SOLO"
    assert stored(db) == ["solo"]


def test_writes_that_arrive_while_another_commits_share_one_transaction(db: Database) -> None:
    writer = Writer()
    group = GroupCommit(db, writer)
    items = [f"item-{number}" for number in range(6)]
    with ThreadPoolExecutor(8) as pool:
        held, queued = queue_behind_a_held_write(group, writer, items, pool)
        assert held.result(10) == "HOLD"
        assert {item: future.result(10) for item, future in queued.items()} == {
            item: item.upper() for item in items
        }
    assert stored(db) == sorted(["hold", *items])
    assert len({id(writer.sessions[item]) for item in items}) == 1


def test_a_bad_write_in_a_group_fails_alone_and_the_others_are_kept(db: Database) -> None:
    with db.transaction() as session:
        session.execute(insert(ROWS).values(event_id="taken", at=datetime.now(UTC)))
    writer = Writer()
    group = GroupCommit(db, writer)
    with ThreadPoolExecutor(8) as pool:
        held, queued = queue_behind_a_held_write(group, writer, ["a", "taken", "b"], pool)
        assert held.result(10) == "HOLD"
        assert queued["a"].result(10) == "A"
        assert queued["b"].result(10) == "B"
        with pytest.raises(IntegrityError):
            queued["taken"].result(10)
    assert stored(db) == ["a", "b", "hold", "taken"]


def test_when_the_database_fails_a_group_every_write_in_it_hears_so_at_once(
    db: Database,
) -> None:
    writer = Writer()
    group = GroupCommit(db, writer)
    with ThreadPoolExecutor(8) as pool:
        held, queued = queue_behind_a_held_write(group, writer, ["a", "down", "b"], pool)
        assert held.result(10) == "HOLD"
        for future in queued.values():
            with pytest.raises(OperationalError):
                future.result(10)
    assert stored(db) == ["hold"]
    # Not tried again one by one: with the database down, each would wait its turn to fail.
    assert writer.calls.count("a") == 1 and writer.calls.count("down") == 1


def test_a_failing_lone_write_raises_to_its_caller_and_stores_nothing(db: Database) -> None:
    def failing(session: Session, item: str) -> str:
        session.execute(insert(ROWS).values(event_id=item, at=datetime.now(UTC)))
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        GroupCommit(db, failing).run("lost")
    assert stored(db) == []


def test_concerns_raised_at_the_same_moment_each_get_their_own_answer_card_and_audit_entry(
    harness: Harness,
) -> None:
    view = harness.open_raise_modal()
    modes = ["open", "confidential", "anonymous_follow_up", "anonymous_no_contact"]

    def submit(number: int) -> HttpResult:
        values = {
            "elements": ["worker_safety"],
            "description": f"Concern {number} raised with the others",
            "identity": modes[number % len(modes)],
        }
        return harness.workspace.submit_view(REPORTER, view, values, view_id=f"V0TOGETHER{number}")

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(submit, range(12)))

    assert [answer.status for answer in answers] == [200] * 12
    shown = [re.findall(r"S[UG]-[0-9A-Z]{6}", answer.body) for answer in answers]
    with harness.context.db.transaction() as session:
        references = set(session.scalars(select(Concern.reference)))
        assert verify(session, harness.context.vault.ring).ok
        raised = session.scalars(
            select(AuditEntry.concern_reference).where(AuditEntry.action == "concern.raised")
        ).all()
    assert len(references) == 12 and sorted(raised) == sorted(references)
    assert {found[0] for found in shown} == references  # each answer names its own concern
    assert harness.wait_for_cards(GUARDIAN_CHANNEL, 12)
