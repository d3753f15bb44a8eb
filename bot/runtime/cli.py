"""The `speakup` command: serve, demo, database, keys and audit chores."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot.runtime import key_chores
from bot.runtime.logs import configure_logging
from bot.runtime.settings import SettingsError, load_settings
from storage.crypto import generate_key
from storage.db import Database, DatabaseUnavailable


class CliError(Exception):
    """A problem the operator can fix; printed as one line, no traceback."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="speakup", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the bot (Socket Mode if SLACK_APP_TOKEN is set)")
    serve.add_argument("--http", action="store_true", help="force HTTP mode")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a server listens
    serve.add_argument(
        "--no-migrate", action="store_true", help="do not apply pending database migrations"
    )

    sub.add_parser("demo", help="play a scripted story against a local Slack stand-in")

    db = sub.add_parser("db", help="database chores")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations")

    keys = sub.add_parser("keys", help="encryption keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("generate", help="print a new key for SPEAKUP_ENCRYPTION_KEYS")
    rotate = keys_sub.add_parser(
        "rotate", help="move every concern onto the newest key (online, resumable)"
    )
    rotate.add_argument("--batch", type=int, default=100, help="concerns per transaction")
    keys_sub.add_parser("status", help="what still uses each configured key")

    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check every link, the head and anchors")
    verify.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar="SEQ:FINGERPRINT",
        help="an anchor published earlier (repeatable)",
    )
    show = audit_sub.add_parser("show", help="a concern's audit trail, content-free")
    show.add_argument("reference")
    return parser


def _database(url: str) -> Database:
    db = Database(url)
    db.ping()
    return db


def run(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "keys" and args.keys_command == "generate":
        print(generate_key())
        return 0
    if args.command == "demo":
        from bot.demo.stage import run_demo

        return run_demo()

    configure_logging(os.environ.get("SPEAKUP_LOG_LEVEL", "INFO"))
    settings = load_settings()
    if args.command == "db":
        _database(settings.database_url).upgrade()
        print("database is up to date")
        return 0
    if args.command == "audit" and args.audit_command == "verify":
        return key_chores.audit_verify(settings, args.anchor)
    if args.command == "audit":
        return key_chores.audit_show(settings, args.reference)
    if args.command == "keys" and args.keys_command == "rotate":
        return key_chores.keys_rotate(settings, max(1, args.batch))
    if args.command == "keys":
        return key_chores.keys_status(settings)

    from bot.runtime.context import build_context
    from bot.runtime.server import serve

    socket_mode = bool(settings.slack_app_token) and not args.http
    settings.require_slack(socket_mode=socket_mode)
    context = build_context(settings, _database(settings.database_url))
    if not args.no_migrate:
        context.db.upgrade()
    serve(context, socket_mode=socket_mode, host=args.host, port=args.port)
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    try:
        code = run(sys.argv[1:] if argv is None else argv)
    except (SettingsError, DatabaseUnavailable, CliError, key_chores.ChoreError) as exc:
        print(f"speakup: {exc}", file=sys.stderr)
        code = 2
    sys.exit(code)


if __name__ == "__main__":
    main()
