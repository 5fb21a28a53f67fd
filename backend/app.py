"""The application factory: one Starlette app, its lifespan, and every route list assembled in one place."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from backend import db, health
from backend.crypto import SecretBox
from backend.settings import Settings

# amoCRM's own library uses 5 s to connect and 20 s per request (reference 1.1).
AMOCRM_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


@dataclass
class Services:
    """What the lifespan opens and every request handler shares: settings, secrets box, HTTP clients."""

    settings: Settings
    secrets: SecretBox
    amocrm_http: httpx.AsyncClient
    onec_http: httpx.AsyncClient


def create_app(
    settings: Settings,
    *,
    amocrm_transport: httpx.AsyncBaseTransport | None = None,
    onec_transport: httpx.AsyncBaseTransport | None = None,
) -> Starlette:
    """Build the amo1c app; transports are injectable so tests can put the fakes behind the clients."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.open_database(settings.database_url)
        try:
            async with (
                httpx.AsyncClient(transport=amocrm_transport, timeout=AMOCRM_TIMEOUT) as amocrm_http,
                httpx.AsyncClient(
                    transport=onec_transport,
                    timeout=httpx.Timeout(settings.onec_timeout, connect=min(10.0, settings.onec_timeout)),
                ) as onec_http,
            ):
                app.state.services = Services(
                    settings=settings,
                    secrets=SecretBox(settings.secret_key),
                    amocrm_http=amocrm_http,
                    onec_http=onec_http,
                )
                yield
        finally:
            await db.close_database()

    return Starlette(routes=_routes(), lifespan=lifespan)


def _routes() -> list[BaseRoute]:
    return [*health.routes]
