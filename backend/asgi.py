"""ASGI entry point for process managers: `uvicorn --factory backend.asgi:app_from_env --workers N`."""

from __future__ import annotations

from starlette.applications import Starlette

from backend.app import create_app
from backend.settings import Settings


def app_from_env() -> Starlette:
    """Build the app from the AMO1C_* environment; raises SettingsError on a bad value."""
    return create_app(Settings.from_env(mode="serve"))
