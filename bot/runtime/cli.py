"""The `speakup` command: serve, demo, database, keys and audit chores."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy.exc import SQLAlchemyError

from bot.runtime import cli_reports, key_chores, retention_cli
from bot.runtime.logs import configure_logging
from bot.runtime.settings import (
    Settings,
    SettingsError,
    load_settings,
    parse_port,
    port_setting,
)
from storage.crypto import generate_key
from storage.db import Database, DatabaseUnavailable

if TYPE_CHECKING:
    from bot.runtime.context import Service


class CliError(Exception):
    """A problem the operator can fix; printed as one line, no traceback."""


class _Parser(argparse.ArgumentParser):
    """argparse, except that a mistake on the command line is one line, like every other."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"speakup: {message} (see `{self.prog} --help`)\n")


def _port_argument(raw: str) -> int:
    try:
        return parse_port(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _version() -> str:
    try:
        return version("speakup")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="speakup", description=__doc__)
    parser.add_argument("--version", action="version", version=f"speakup {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the bot (Socket Mode if SLACK_APP_TOKEN is set)")
    serve.add_argument("--http", action="store_true", help="force HTTP mode")
    # PORT is read when serving, not here: a bad PORT must not break `--help` or other commands.
    serve.add_argument(
        "--port", type=_port_argument, default=None, help="HTTP port (default: PORT, else 3000)"
    )
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

    jobs = sub.add_parser("jobs", help="scheduled jobs (digests, alarms, sweeps)")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    jobs_sub.add_parser("list", help="each job, its schedule and the last period it finished")
    run_job = jobs_sub.add_parser("run", help="run a job's current period now, if not yet done")
    run_job.add_argument("job")
    run_job.add_argument(
        "--dry-run", action="store_true", help="print what it would post; change nothing"
    )

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

    export = sub.add_parser("export", help="exports")
    export_sub = export.add_subparsers(dest="export_command", required=True)
    reporter = export_sub.add_parser(
        "reporter", help="what is held about an open or confidential reporter (subject access)"
    )
    reporter.add_argument("user_id", help="the person's Slack user id (U…)")
    reporter.add_argument("--out", help="write OUT.json and OUT.txt instead of printing")
    reporter.add_argument("--requested-by", default="operator", help="recorded in the audit log")
    cli_reports.add_quarterly_parser(export_sub)
    cli_reports.add_parsers(sub)
    retention_cli.add_parser(sub)
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

    settings = load_settings()
    configure_logging(settings.speakup_log_level)
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

    if args.command == "export" and args.export_command == "quarterly":
        return cli_reports.export_quarterly(args, settings, _database(settings.database_url))
    if args.command == "export":
        return _export_reporter(args, settings)
    if args.command == "retention":
        return retention_cli.retention_report_command(settings, _database(settings.database_url))
    if args.command == "digest":
        return cli_reports.digest_leaders(args, settings, _database(settings.database_url))

    from bot.runtime.context import build_context

    if args.command == "jobs":
        return _jobs(args, build_context(settings, _database(settings.database_url)))

    from bot.runtime.bolt_app import build_web_client
    from bot.runtime.server import bind_listener, serve
    from bot.runtime.startup_checks import check_at_start

    socket_mode = bool(settings.slack_app_token) and not args.http
    settings.require_slack(socket_mode=socket_mode)
    port = args.port if args.port is not None else port_setting(os.environ.get("PORT"))
    # Before the database is touched: a port already taken stops here, not after migrations
    # and the first sweep have run in a process that cannot serve.
    listener = bind_listener(args.host, port)
    try:
        context = build_context(settings, _database(settings.database_url))
        settings.require_teams()
        # A refusal stops serve here, in one line; Slack unreachable is checked again later.
        slack_checked = check_at_start(settings, build_web_client(settings))
        if not args.no_migrate:
            context.db.upgrade()
    except BaseException:
        listener.close()
        raise
    serve(context, socket_mode=socket_mode, listener=listener, slack_checked=slack_checked)
    return 0


def _jobs(args: argparse.Namespace, context: Service) -> int:
    from bot.demo.simulator.transcript import render_message
    from bot.runtime.jobs_cli import UnknownJob, list_jobs, run_job

    try:
        if args.jobs_command == "list":
            lines = list_jobs(context)
        else:
            lines = run_job(context, args.job, dry_run=args.dry_run, render=render_message)
    except UnknownJob as exc:
        raise CliError(str(exc)) from None
    except SQLAlchemyError as exc:
        raise CliError(
            f"could not read the job records ({type(exc).__name__}); "
            "has `speakup db upgrade` been run?"
        ) from None
    finally:
        context.db.dispose()
    print("\n".join(lines))
    return 0


def _export_reporter(args: argparse.Namespace, settings: Settings) -> int:
    import json
    from pathlib import Path

    from bot.domain.clock import utcnow
    from bot.flows.subject_access import export_reporter
    from storage.shred_keys import ShredKeys
    from storage.vault import Vault

    user_id = str(args.user_id).strip()
    if user_id[:1] not in ("U", "W") or not user_id.isalnum():
        raise CliError(f"{user_id!r} is not a Slack user id (U… or W…): copy it from the profile")
    ring = settings.key_ring()
    db = Database(settings.database_url, ring=ring)
    db.ping()
    with db.transaction() as session:
        export = export_reporter(
            session,
            Vault(ring, ShredKeys(settings.shred_key_dir())),
            user_id,
            requested_by=str(args.requested_by)[:64],
            now=utcnow(),
        )
    as_json = json.dumps(export.as_json(), indent=2, ensure_ascii=False)
    if args.out:
        Path(f"{args.out}.json").write_text(as_json + "\n", encoding="utf-8")
        Path(f"{args.out}.txt").write_text(export.as_text() + "\n", encoding="utf-8")
        print(f"wrote {args.out}.json and {args.out}.txt ({len(export.concerns)} concerns)")
    else:
        print(export.as_text())
        print()
        print(as_json)
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    try:
        code = run(sys.argv[1:] if argv is None else argv)
    except (
        SettingsError,
        DatabaseUnavailable,
        CliError,
        key_chores.ChoreError,
        cli_reports.ReportError,
    ) as exc:
        print(f"speakup: {exc}", file=sys.stderr)
        code = 2
    sys.exit(code)


if __name__ == "__main__":
    main()
