"""The application factory: one Starlette app, its lifespan, and every route list assembled in one place."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from backend import db, health, metrics, oauth, scrape, webhooks
from backend.amocrm import RequestBudget, RetryPolicy
from backend.api.routes import is_sync_path, sync_http_error, sync_routes
from backend.onec import call_timeouts
from backend.pages import Pages, make_templates
from backend.redaction import redact_server_log
from backend.request_context import RequestContextMiddleware
from backend.settings import Settings
from backend.sync.background import Job, run_jobs
from backend.sync.domain import Domain
from backend.ui import cards, demo_login, session
from backend.ui.i18n import translator
from backend.ui.settings.routes import routes as settings_routes
from backend.ui.tokens import UITokens

STATIC_DIR = Path(__file__).resolve().parent / "static"
# amoCRM's own library uses 5 s to connect and 20 s per request (reference 1.1).
AMOCRM_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


def create_app(
    settings: Settings,
    *,
    amocrm_transport: httpx.AsyncBaseTransport | None = None,
    onec_transport: httpx.AsyncBaseTransport | None = None,
    amocrm_budget: RequestBudget | None = None,
    amocrm_retry: RetryPolicy | None = None,
    background: bool = True,
) -> Starlette:
    """Build the amo1c app; transports are injectable so tests can put the fakes behind the clients, and so are
    the amoCRM request budget and retry policy (tests and benchmarks pace or retry differently). Without `background`
    no task sends the outbox or reads hints: a test then runs those rounds itself (`domain.outbox.deliver_due`…)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Here, not at import: uvicorn has configured its handlers by now, in this very worker process.
        redact_server_log()
        await db.open_database(settings.database_url)
        try:
            async with (
                httpx.AsyncClient(transport=amocrm_transport, timeout=AMOCRM_TIMEOUT) as amocrm_http,
                httpx.AsyncClient(
                    transport=onec_transport,
                    timeout=call_timeouts(settings.onec_timeout),
                ) as onec_http,
            ):
                app.state.pages = Pages(make_templates(), translator, settings.widget_origins)
                app.state.ui_tokens = UITokens(settings.secret_key)
                domain = app.state.domain = Domain.assemble(
                    settings, amocrm_http, onec_http, amocrm_budget=amocrm_budget, amocrm_retry=amocrm_retry
                )
                sync_log = domain.sync_log
                stop = asyncio.Event()
                jobs: list[Job] = [
                    domain.automation.read_hints,
                    domain.outbox.deliver_due,
                    domain.automation.reconcile_due,
                ]
                worker = asyncio.create_task(run_jobs(jobs if background else [], stop, wake=domain.wake))
                sync_log.start()
                metrics.worker_started()
                try:
                    yield
                finally:
                    metrics.worker_stopped()
                    stop.set()
                    await worker
                    await sync_log.close()  # after the last request and the last background round
        finally:
            await db.close_database()

    return _App(
        routes=_routes(settings),
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )


class _App(Starlette):
    """Starlette with the request id outside everything, Starlette's own 500 answer included (middleware given to
    Starlette sits inside its error middleware, so a crash's 500 would go out without X-Request-ID)."""

    def build_middleware_stack(self) -> ASGIApp:
        return RequestContextMiddleware(super().build_middleware_stack())


def _routes(settings: Settings) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        *health.routes,
        *scrape.routes(settings),
        *sync_routes(),
        *oauth.routes,
        *webhooks.routes,
        *session.routes,
        *cards.routes,
        *settings_routes,
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
    if settings.mode == "demo":
        routes.extend(demo_login.routes)  # a sign-in without amoCRM: never outside `amo1c demo`
    return routes


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if is_sync_path(request.url.path):
        return await sync_http_error(request, exc)
    return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
