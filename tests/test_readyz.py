"""GET /readyz: 200 when the database answers and has every migration applied, 503 with a short reason otherwise
(never the database's URL or its own words); the migrations' answer is kept a few seconds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette
from tortoise.connection import get_connection
from tortoise.migrations.recorder import MigrationRecorder

from backend import db
from backend.app import create_app
from backend.health import Readiness
from backend.settings import Settings
from tests.conftest import migrate_all_but_the_last


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    app = create_app(settings, background=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://amo1c.test") as http,
    ):
        yield app, http


async def test_readyz_ready_when_migrated_and_answering(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_503_while_a_migration_is_pending_then_ready_once_applied(
    settings: Settings, empty_database_url: str
) -> None:
    url = empty_database_url
    last = await migrate_all_but_the_last(url)
    async with serving(settings.with_overrides(database_url=url)) as (app, http):
        app.state.readiness = Readiness(cache_seconds=0.3)
        response = await http.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "reason": "1 migration(s) not applied"}
        # Another worker (`amo1c migrate`) records the last one: the cached answer holds a moment, then follows.
        await MigrationRecorder(get_connection("default")).record_applied(db.APP_LABEL, last)
        assert (await http.get("/readyz")).status_code == 503
        await asyncio.sleep(0.35)
        assert (await http.get("/readyz")).status_code == 200


async def test_readyz_503_when_the_database_does_not_answer(settings: Settings) -> None:
    # A PostgreSQL URL on a port nobody listens on: the app starts, the database never answers.
    url = "postgres://amo1c:pg-secret-word@127.0.0.1:9/amo1c"
    async with serving(settings.with_overrides(database_url=url)) as (_, http):
        response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database does not answer"}
    assert "127.0.0.1" not in response.text and "pg-secret-word" not in response.text


@pytest.mark.postgres
async def test_readyz_ready_on_postgres(settings: Settings, postgres_database_url: str) -> None:
    async with serving(settings.with_overrides(database_url=postgres_database_url)) as (_, http):
        response = await http.get("/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ready"}
