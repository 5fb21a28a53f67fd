"""Every route of the sync API for 1C, and the envelope for 404/405 under its prefixes."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from backend.api import bases, batch, entities, events, fields, handlers, openapi
from backend.api.envelope import failure

PREFIXES = ("/sync/", "/update_handlers/")


def sync_routes() -> list[BaseRoute]:
    """The sync API's routes, at the paths of spec section 2, and its OpenAPI description."""
    return [
        *bases.routes,
        *entities.routes,
        *events.routes,
        *batch.routes,
        *fields.routes,
        *handlers.routes,
        *openapi.routes,
    ]


def is_sync_path(path: str) -> bool:
    """Whether a path belongs to the sync API (its errors are answered in the envelope)."""
    return path.startswith(PREFIXES)


async def sync_http_error(request: Request, exc: HTTPException) -> Response:
    """404/405 under the sync prefixes in the envelope, so 1C never parses an HTML or plain-text page."""
    messages = {404: f"нет такого метода API: {request.url.path}", 405: f"метод {request.method} не поддерживается"}
    return failure(exc.status_code, messages.get(exc.status_code, exc.detail), dict(exc.headers or {}))
