"""Command line entry: run the fake amoCRM as a real HTTP server with uvicorn."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from backend.fakes.amocrm.app import FakeAmoCRM


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of `python -m backend.fakes.amocrm`."""
    parser = argparse.ArgumentParser(prog="python -m backend.fakes.amocrm", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument("--rps-limit", type=int, default=7, help="requests per second per account; 0 = unlimited")
    parser.add_argument("--access-token-ttl", type=int, default=86400, help="access token lifetime, seconds")
    parser.add_argument("--log-level", default="warning")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments and serve the fake until interrupted; argparse exits on bad arguments."""
    args = build_parser().parse_args(argv)
    fake = FakeAmoCRM(
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uri=args.redirect_uri,
        rps_limit=args.rps_limit,
        access_token_ttl=args.access_token_ttl,
    )
    uvicorn.run(fake, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
