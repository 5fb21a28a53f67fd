"""The yardstick of the hot path benchmark: bare Starlette reading a sync call's JSON body and answering the
envelope amo1c answers, with nothing in between (`uvicorn benchmarks.bare:app`)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

AMO_ID = 1_000_001  # what the envelope's `data` holds, as amo1c's answer holds the contact's id


async def sync(request: Request) -> Response:
    """Read the JSON body and answer the success envelope."""
    body = await request.json()
    data = AMO_ID if body.get("id_1c") else None
    return JSONResponse({"success": True, "data": data, "error": None})


async def healthz(request: Request) -> Response:
    """What the benchmark waits for before it starts."""
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[Route("/sync/clients_contacts", sync, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
)
