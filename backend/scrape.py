"""GET /metrics: the Prometheus scrape, present only with AMO1C_METRICS=true (404 otherwise).

Who may read it: with AMO1C_METRICS_ALLOW only clients of those addresses (403 for others), with
AMO1C_METRICS_TOKEN only requests carrying `Authorization: Bearer <token>` (401 for others); both when both are
set. The address is the one uvicorn gives the app: the TCP peer, or the client a proxy in FORWARDED_ALLOW_IPS
names in X-Forwarded-For — a client that is not such a proxy cannot claim another address with that header.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from backend import metrics
from backend.settings import Settings
from backend.sync.outbox_pages import outbox_census

logger = logging.getLogger("amo1c.metrics")
# A scrape never waits long on the database: past this the answer leaves the outbox figures out (Prometheus' own
# scrape timeout is 10 s by default).
CENSUS_TIMEOUT = 3.0


def routes(settings: Settings) -> list[Route]:
    """The scrape's route when metrics are on, else none (the path then answers 404 like any unknown one)."""
    if not settings.metrics:
        return []

    async def scrape(request: Request) -> Response:
        """Every metric in Prometheus' text format, once the caller is let in."""
        refusal = _refusal(request, settings)
        if refusal is not None:
            return refusal
        try:
            census = await asyncio.wait_for(outbox_census(), CENSUS_TIMEOUT)
            counts = {state.value: count for state, count in census.counts.items()}
            outbox = metrics.OutboxFigures(counts, census.oldest_pending_seconds)
        except Exception:  # the workers' own figures matter most when the database is in trouble (or slow)
            logger.exception("the outbox figures could not be read for /metrics in %s s", CENSUS_TIMEOUT)
            outbox = None
        return Response(metrics.exposition(outbox), media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", scrape, methods=["GET"])]


def _refusal(request: Request, settings: Settings) -> Response | None:
    """403 for a client outside AMO1C_METRICS_ALLOW, 401 without the right token, None to let the request in."""
    if settings.metrics_allow and not _allowed(request, settings):
        return PlainTextResponse("forbidden", status_code=403)
    if settings.metrics_token is not None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        given = token.strip().encode("utf-8", "replace")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, settings.metrics_token.encode("ascii")):
            return PlainTextResponse("unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return None


def _allowed(request: Request, settings: Settings) -> bool:
    host = request.client.host if request.client is not None else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # no address (a unix socket) or a name: not one of the listed ones
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in settings.metrics_allow)
