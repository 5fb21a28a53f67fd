"""GET /healthz: is this worker able to serve (its database answers)?"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.db import database_answers


async def healthz(request: Request) -> JSONResponse:
    """200 {"status": "ok"} when the database answers a query, 503 otherwise."""
    if await database_answers():
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable", "error": "database does not answer"}, status_code=503)


routes = [Route("/healthz", healthz, methods=["GET"])]
