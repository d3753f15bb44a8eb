"""The suite's guard over log lines catches what it is meant to, from any thread."""

from __future__ import annotations

import logging
import threading

from bot.runtime.logs import get_logger
from tests.conftest import SCRUBBER
from tests.log_scrubber import PRIVACY_MARKER, LogScrubber, suite_markers
from tests.test_privacy_leaks import NO_CONTACT_REPORTER, _secret


def test_the_markers_are_the_ones_the_tests_type() -> None:
    assert _secret("anything").startswith(PRIVACY_MARKER)
    markers = suite_markers()
    assert "The night shift rota leaves one paramedic alone on the car." in markers
    assert "U0REPORTER" in markers


def test_a_forbidden_string_in_any_logger_or_thread_is_found() -> None:
    scrubber = LogScrubber()
    scrubber.forbid_always("qx-forbidden-always")
    scrubber.forbid("U0THISTEST")
    root = logging.getLogger()
    root.addHandler(scrubber)
    try:
        get_logger("bot.slack.delivery").info("delivered", reference="SU-1")
        assert scrubber.end_test() == []
        scrubber.forbid("U0THISTEST")
        get_logger("bot.flows").warning("oops", note="qx-forbidden-always here")
        worker = threading.Thread(
            target=lambda: logging.getLogger("waitress").error("user %s", "U0THISTEST")
        )
        worker.start()
        worker.join()
        try:
            raise ValueError("qx-forbidden-always in a traceback")
        except ValueError:
            get_logger("bot.slack.delivery").exception("outbox.cycle_failed")
        found = scrubber.end_test()
    finally:
        root.removeHandler(scrubber)
    assert len(found) == 3, found
    assert "bot.flows" in found[0] and "waitress" in found[1] and "delivery" in found[2]
    # A test's own strings are forgotten when it ends.
    root.addHandler(scrubber)
    try:
        logging.getLogger("waitress").error("user %s", "U0THISTEST")
    finally:
        root.removeHandler(scrubber)
    assert scrubber.end_test() == []


def test_the_suite_guard_is_installed_and_forbids_the_markers() -> None:
    assert SCRUBBER in logging.getLogger().handlers
    logging.getLogger("bot.runtime").info("nothing to see")
    assert SCRUBBER.end_test() == []
    logging.getLogger("bot.runtime").info("reporter %s", NO_CONTACT_REPORTER)
    assert SCRUBBER.end_test() == []  # forbidden only where a test says so
    logging.getLogger("bot.runtime").info("text %s", _secret("caught"))
    assert len(SCRUBBER.end_test()) == 1  # taken back, or this test would fail
