"""Command line for running FakeOneC as a real server on loopback: `python -m backend.fakes.onec`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from backend.fakes.onec.app import FakeOneC


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for the fake's host, port, credentials and base settings."""
    parser = argparse.ArgumentParser(prog="python -m backend.fakes.onec", description="Fake 1C HTTP service")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--login", default="Администратор", help="infobase user for Basic Auth")
    parser.add_argument("--password", required=True, help="infobase user's password (may be empty)")
    parser.add_argument("--path", default="/base/hs/amo1c/handler", help="the handler's URL path")
    parser.add_argument("--url-address", default=None, help="web client address used in links")
    parser.add_argument("--handlers-version", default="1.0.0")
    parser.add_argument("--account-id", type=int, default=None, help="accept only this `key`")
    parser.add_argument("--id-base", default=None, help="accept only this `id_base`")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before every answer")
    parser.add_argument("--log-level", default="warning")
    return parser


def fake_from_args(args: argparse.Namespace) -> FakeOneC:
    """Build the fake from parsed arguments; the web client address defaults to the publication's root."""
    publication = args.path.split("/hs/", 1)[0] if "/hs/" in args.path else ""
    url_address = args.url_address or f"http://{args.host}:{args.port}{publication}"
    return FakeOneC(
        login=args.login,
        password=args.password,
        path=args.path,
        url_address=url_address,
        handlers_version=args.handlers_version,
        account_id=args.account_id,
        id_base=args.id_base,
        latency=args.latency,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse `argv` and serve the fake with uvicorn until interrupted; argparse exits on bad arguments."""
    args = build_parser().parse_args(argv)
    uvicorn.run(fake_from_args(args), host=args.host, port=args.port, log_level=args.log_level)
