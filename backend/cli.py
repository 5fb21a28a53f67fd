"""The `amo1c` command: serve, migrate, doctor, demo, widget build."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from tortoise.exceptions import BaseORMException

from backend import db, metrics
from backend.app import create_app
from backend.log_format import uvicorn_log_config
from backend.settings import Settings, SettingsError
from backend.widget import SOURCE_ROOT, WidgetError, build_widget, check_support_email

T = TypeVar("T")


class CommandError(Exception):
    """A command cannot go on; its message is printed as one line and the exit status is 1."""


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the console script; exits 2 on bad settings or usage and 1 on other failures."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except SettingsError as exc:
        print(f"amo1c: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except CommandError as exc:
        print(f"amo1c: error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amo1c", description="amoCRM ↔ 1C:Enterprise integration backend.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the HTTP server (applies migrations first on SQLite)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL only when > 1)")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="apply pending database migrations and exit")
    migrate.set_defaults(run=_migrate)

    doctor = commands.add_parser(
        "doctor", help="check settings, database, public URL, accounts and 1C bases; exit 0 only when all pass"
    )
    doctor.add_argument("--account", type=int, metavar="ID", help="check only this amoCRM account (its id)")
    doctor.set_defaults(run=_doctor)

    demo = commands.add_parser("demo", help="run amo1c with the fake amoCRM and fake 1C and sample data")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=_port, default=8000, help="amo1c's port (make demo PORT=…)")
    demo.add_argument("--amocrm-port", type=_port, default=8001, help="the fake amoCRM's (make demo AMOCRM_PORT=…)")
    demo.add_argument("--onec-port", type=_port, default=8002, help="the fake 1C's (make demo ONEC_PORT=…)")
    demo.set_defaults(run=_demo)

    widget = commands.add_parser("widget", help="the amoCRM widget package")
    widget_commands = widget.add_subparsers(dest="widget_command", required=True, metavar="COMMAND")
    build = widget_commands.add_parser("build", help="check manifest.json and widget/ and write widget.zip")
    build.add_argument("--public-url", required=True, help="external base URL of this amo1c (https)")
    build.add_argument("--output", type=Path, default=Path("dist/widget.zip"))
    build.add_argument(
        "--support-email",
        type=_support_email,
        default=None,
        help="the widget's support e-mail amoCRM shows (manifest widget.support.email; default: manifest.json's)",
    )
    build.add_argument(
        "--source",
        type=Path,
        default=SOURCE_ROOT,
        help="folder holding manifest.json and widget/ (default: this checkout)",
    )
    build.set_defaults(run=_widget_build)
    return parser


def _serve(args: argparse.Namespace) -> None:
    settings = Settings.from_env(mode="serve")
    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    if settings.database_url.startswith("sqlite://"):
        if args.workers > 1:
            raise CommandError(
                "several workers need PostgreSQL (AMO1C_DATABASE_URL=postgres://…); SQLite is one process"
            )
        _run_migrations(settings.database_url)
    else:
        pending = _run_db(db.pending_migrations(settings.database_url), settings.database_url)
        if pending:
            raise CommandError(
                f"the database lacks {len(pending)} migration(s) ({', '.join(pending)}): run `amo1c migrate`"
            )
    log_config = uvicorn_log_config(settings.log_format)
    if args.workers > 1:
        with metrics.multiprocess_dir(settings.metrics):  # before the workers import prometheus_client
            uvicorn.run(
                "backend.asgi:app_from_env",
                factory=True,
                host=args.host,
                port=args.port,
                workers=args.workers,
                proxy_headers=True,
                log_config=log_config,
            )
    else:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, proxy_headers=True, log_config=log_config)


def _migrate(args: argparse.Namespace) -> None:
    settings = Settings.from_env(mode="serve")
    applied = _run_migrations(settings.database_url)
    print(f"amo1c: {len(applied)} migration(s) applied" if applied else "amo1c: the database is up to date")


def _doctor(args: argparse.Namespace) -> None:
    from backend.sync.checks import Check
    from backend.sync.doctor import Doctor, read_settings

    def show(check: Check) -> None:
        print(check.line(), flush=True)

    checks, settings = read_settings(os.environ)
    for check in checks:
        show(check)
    if settings is not None:
        checks += asyncio.run(Doctor(settings).run(show, account_id=args.account))
    raise SystemExit(0 if all(check.passed for check in checks) else 1)


def _demo(args: argparse.Namespace) -> None:
    from backend.demo import DemoError, run_demo  # the demo pulls in the fakes, which production never needs

    try:
        run_demo(host=args.host, port=args.port, amocrm_port=args.amocrm_port, onec_port=args.onec_port)
    except DemoError as exc:
        raise CommandError(str(exc)) from None


def _widget_build(args: argparse.Namespace) -> None:
    try:
        output = build_widget(args.source, args.public_url, args.output, support_email=args.support_email)
    except WidgetError as exc:
        raise CommandError(f"cannot build the widget: {exc}") from None
    except OSError as exc:
        raise CommandError(f"cannot build {args.output}: {exc}") from None
    print(f"amo1c: wrote {output}")


def _port(text: str) -> int:
    """argparse type of a TCP port: 1–65535."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1–65535)")
    return int(text)


def _support_email(text: str) -> str:
    """argparse type of the widget's support e-mail (see backend.widget.check_support_email)."""
    try:
        return check_support_email(text)
    except WidgetError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _run_migrations(database_url: str) -> list[str]:
    path = db.sqlite_path(database_url)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    pending = _run_db(db.pending_migrations(database_url), database_url)
    if pending:
        _run_db(db.apply_migrations(database_url), database_url)
    return pending


def _run_db(work: Coroutine[Any, Any, T], database_url: str) -> T:
    try:
        return asyncio.run(work)
    except (OSError, BaseORMException) as exc:
        raise CommandError(f"cannot use the database {db.masked_url(database_url)}: {exc}") from None
