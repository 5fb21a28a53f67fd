"""Shared fixtures: a migrated SQLite database per test, settings, the app with its lifespan, an ASGI client."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from backend import db
from backend.app import create_app
from backend.settings import Settings


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied once per session, by the real migration code."""
    path = tmp_path_factory.mktemp("template") / "amo1c.sqlite3"
    asyncio.run(db.apply_migrations(f"sqlite://{path}"))
    return path


@pytest.fixture
def database_url(migrated_template: Path, tmp_path: Path) -> str:
    """A fresh migrated database for one test."""
    path = tmp_path / "amo1c.sqlite3"
    shutil.copyfile(migrated_template, path)
    return f"sqlite://{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Test settings: a fresh database, the development secret key, demo OAuth credentials."""
    return Settings(
        database_url=database_url,
        amocrm_client_id="00000000-0000-4000-8000-000000000001",
        amocrm_client_secret="test-client-secret-0123456789abcdef",
        amocrm_base_url="http://amocrm.test",
        admin_user="admin",
        admin_password="admin-password",
        onec_allow_private=True,
        mode="test",
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    """The application with its lifespan running (database open, HTTP clients created)."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://amo1c.test") as http:
        yield http
