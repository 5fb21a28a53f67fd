"""Entry point for `python -m backend.fakes.onec`."""

from __future__ import annotations

from backend.fakes.onec.cli import main

main()
