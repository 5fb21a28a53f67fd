"""`python -m backend` runs the `amo1c` command."""

from backend.cli import main

main()
