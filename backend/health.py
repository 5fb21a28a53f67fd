"""Probes: GET /healthz (liveness: the database answers), GET /readyz (readiness: it answers in time and has every
migration applied) and GET /instance (this amo1c's answer to `amo1c doctor`'s challenge, sync.instance)."""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.db import ask_database, database_answers, pending_here
from backend.sync.instance import INSTANCE_PATH, instance_proof, is_challenge

logger = logging.getLogger("amo1c.health")

READY_QUERY_SECONDS = 2.0  # a load balancer polls often: a database slower than this is as good as down
MIGRATIONS_CACHE_SECONDS = 10.0  # planning reads the migration files and a table: not on every poll
NO_STORE = {"Cache-Control": "no-store"}


async def healthz(request: Request) -> JSONResponse:
    """200 {"status": "ok"} when the database answers a query, 503 otherwise."""
    if await database_answers():
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable", "error": "database does not answer"}, status_code=503)


class Readiness:
    """One app's readiness: the database asked on every call, the migrations' answer kept MIGRATIONS_CACHE_SECONDS
    (one caller plans at a time, the others wait for its answer); raises nothing."""

    def __init__(self, cache_seconds: float = MIGRATIONS_CACHE_SECONDS) -> None:
        self._cache_seconds = cache_seconds
        self._pending: tuple[float, int] | None = None  # (when planned, how many pending)
        self._lock = asyncio.Lock()

    async def problem(self) -> str | None:
        """A short reason the app is not ready (never the database's own words), or None when it is."""
        try:
            async with asyncio.timeout(READY_QUERY_SECONDS):
                await ask_database()
        except TimeoutError:
            return "database does not answer in time"
        except Exception as exc:
            logger.warning("readiness: the database does not answer: %s", type(exc).__name__)
            return "database does not answer"
        try:
            async with asyncio.timeout(READY_QUERY_SECONDS):
                pending = await self._pending_count()
        except Exception as exc:  # TimeoutError included
            logger.warning("readiness: the migrations cannot be read: %s", type(exc).__name__)
            return "migrations cannot be read"
        return f"{pending} migration(s) not applied" if pending else None

    async def _pending_count(self) -> int:
        async with self._lock:
            if self._pending is None or time.monotonic() - self._pending[0] >= self._cache_seconds:
                self._pending = (time.monotonic(), len(await pending_here()))
            return self._pending[1]


def _readiness(app: Starlette) -> Readiness:
    """The app's Readiness, made at its first /readyz (kept on app.state: one cache per app, none at import)."""
    state = app.state
    if not hasattr(state, "readiness"):
        state.readiness = Readiness()
    readiness: Readiness = state.readiness
    return readiness


async def readyz(request: Request) -> JSONResponse:
    """200 {"status": "ready"}; 503 {"status": "unavailable", "reason": …} when the database does not answer within
    READY_QUERY_SECONDS, or its applied migrations cannot be read in that time or lack one."""
    problem = await _readiness(request.app).problem()
    if problem is None:
        return JSONResponse({"status": "ready"}, headers=NO_STORE)
    return JSONResponse({"status": "unavailable", "reason": problem}, status_code=503, headers=NO_STORE)


async def instance(request: Request) -> JSONResponse:
    """200 {"proof": …} for a well-formed `challenge` query parameter (sync.instance), 400 otherwise."""
    challenge = request.query_params.get("challenge", "")
    if not is_challenge(challenge):
        return JSONResponse({"error": "challenge: 22 to 128 characters A-Z a-z 0-9 _ -"}, status_code=400)
    settings = request.app.state.domain.settings
    proof = instance_proof(settings.secret_key, settings.public_origin, challenge)
    return JSONResponse({"proof": proof}, headers=NO_STORE)


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route(INSTANCE_PATH, instance, methods=["GET"]),
]
