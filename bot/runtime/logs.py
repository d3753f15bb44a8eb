"""Structured logs. Events carry references and ids of staff acting in a role, never free
text and never a reporter's user id.

Every line is one JSON object, ours and the libraries' alike (Alembic, APScheduler, waitress,
Bolt, slack_sdk go through the same formatter), so a log shipper never meets a plain-text
line. Exceptions are rendered with their type and stack, but a database error's message is
withheld: SQLAlchemy and the drivers quote the statement's values, which may be a concern.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterator
from typing import IO

import structlog
from structlog.typing import EventDict, ExcInfo, Processor, WrappedLogger

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
HANDLER_NAME = "speakup"

# slack_sdk logs request bodies at DEBUG (the text people type); Bolt's own chatter is noise.
# These stay at WARNING whatever our own level is.
QUIET_LOGGERS = ("slack_sdk", "slack_bolt", "speakup.bolt")

# Exceptions whose message may quote what went into a statement (SQLAlchemy's "[parameters:
# ...]", PostgreSQL's "DETAIL: Key (...)=(...)") or into a model (pydantic's input_value).
WITHHELD_MODULES = frozenset({"sqlalchemy", "psycopg", "psycopg2", "sqlite3", "pydantic_core"})
WITHHELD = "message withheld: a database error can quote the values of its statement"


def message_withheld(exc: BaseException) -> bool:
    """True for the exceptions whose message must not reach a log."""
    return type(exc).__module__.partition(".")[0] in WITHHELD_MODULES


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it was raised from or while handling."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _headline(exc: BaseException) -> str:
    if not message_withheld(exc):
        return "".join(traceback.format_exception_only(exc))
    kind = type(exc)
    # The error's code (PostgreSQL's SQLSTATE, SQLAlchemy's, SQLite's name) says what happened
    # without quoting anything.
    code = getattr(exc, "sqlstate", None) or getattr(exc, "sqlite_errorname", None)
    code = code or getattr(exc, "code", None)
    detail = f"{WITHHELD}; code {code}" if isinstance(code, str) and code else WITHHELD
    return f"{kind.__module__}.{kind.__qualname__}: ({detail})\n"


def _format(exc: BaseException, seen: set[int]) -> list[str]:
    """Python's own layout (causes first, then the exception), one headline each."""
    seen.add(id(exc))
    lines: list[str] = []
    cause, context = exc.__cause__, exc.__context__
    if cause is not None and id(cause) not in seen:
        lines += _format(cause, seen)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif context is not None and not exc.__suppress_context__ and id(context) not in seen:
        lines += _format(context, seen)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if exc.__traceback__ is not None:
        lines.append("Traceback (most recent call last):\n")
        lines += traceback.format_tb(exc.__traceback__)
    lines.append(_headline(exc))
    return lines


def exception_text(exc_info: ExcInfo) -> str:
    """The traceback as Python prints it, with every database error's message withheld."""
    exc = exc_info[1]
    if exc is None:
        return ""
    return "".join(_format(exc, set())).rstrip("\n")


def withhold_database_messages(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """A library that splices an error into its message (Bolt: "Failed to run listener
    function (error: ...)") would carry a database error's text: cut it out of the event."""
    exc_info = event.get("exc_info")
    exc = exc_info[1] if isinstance(exc_info, tuple) else exc_info
    text = event.get("event")
    if not isinstance(exc, BaseException) or not isinstance(text, str):
        return event
    for error in _chain(exc):
        if message_withheld(error):
            quoted = str(error)
            if quoted and quoted in text:
                text = text.replace(quoted, f"({WITHHELD})")
            for line in quoted.splitlines():
                if len(line.strip()) >= 12 and line in text:
                    text = text.replace(line, f"({WITHHELD})")
    event["event"] = text
    return event


def _resolve_exc_info(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    # `log.exception` passes exc_info=True; take the exception now, while it is being handled,
    # so every formatter (there may be several handlers) sees the same one.
    if event.get("exc_info") is True:
        exc_info = sys.exc_info()
        if exc_info[1] is None:
            del event["exc_info"]  # nothing is being handled: nothing to render
        else:
            event["exc_info"] = exc_info
    return event


def log_formatter(*, json: bool = True) -> structlog.stdlib.ProcessorFormatter:
    """The formatter for every record, structlog's and the standard library's."""
    renderer: Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            withhold_database_messages,
            structlog.processors.ExceptionRenderer(exception_text),
            renderer,
        ],
    )


def configure_logging(
    level: str = "INFO", *, json: bool = True, stream: IO[str] | None = None
) -> None:
    """Send every log record to `stream` (stderr) through one formatter, at `level` and up.

    Handlers that others put on the root logger (pytest's capture, for one) are left alone;
    only the one this function installed last time is replaced.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(log_formatter(json=json))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            # First, so an event below the level costs a level check, not a rendering.
            structlog.stdlib.filter_by_level,
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _resolve_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
