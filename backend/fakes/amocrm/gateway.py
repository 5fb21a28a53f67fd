"""The path every non-control request takes: log, rate limit, injected faults, bearer auth, handler."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from backend.fakes.amocrm.faults import Fault, RequestRecord
from backend.fakes.amocrm.responses import ApiError, fault_response, nginx_page, problem
from backend.fakes.amocrm.state import Account
from backend.fakes.amocrm.tokens import Grant
from backend.fakes.amocrm.world import World

CLIENT_CLOSED_REQUEST = 499


@dataclass
class ApiCall:
    """One authenticated API call: the request, its raw body, and the account and user of its token."""

    request: Request
    world: World
    account: Account
    user_id: int
    body: bytes

    @property
    def now(self) -> int:
        """The wall clock as an integer Unix timestamp."""
        return self.world.now()

    @property
    def base(self) -> str:
        """The scheme and host the caller used, without a trailing slash, for _links."""
        return str(self.request.base_url).rstrip("/")

    def json(self) -> Any:
        """Return the parsed JSON body; raises ApiError (400) when it is missing or not JSON."""
        return parse_json(self.body)


ApiHandler = Callable[[ApiCall], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def parse_json(body: bytes) -> Any:
    """Parse a JSON request body; raises ApiError (400) when it is missing or malformed."""
    if not body.strip():
        raise ApiError(400, "Request body is empty")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError(400, "Request body is not valid JSON") from None


def bearer_token(request: Request) -> str | None:
    """Return the bearer token of the Authorization header, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


Responder = Callable[[bytes, RequestRecord], Awaitable[Response]]
PlainResponder = Callable[[Request, bytes, RequestRecord], Awaitable[Response]]


def api_endpoint(world: World, handler: ApiHandler) -> Endpoint:
    """Wrap an API handler with the gateway: rate limit, faults, bearer auth and the request log."""

    async def endpoint(request: Request) -> Response:
        token = bearer_token(request)
        grant = world.tokens.resolve(token) if token else None

        async def respond(body: bytes, record: RequestRecord) -> Response:
            return _authorized(world, request, grant, body, handler)

        return await _through_gateway(world, request, grant.account_id if grant else None, respond, True)

    return endpoint


def plain_endpoint(world: World, respond: PlainResponder) -> Endpoint:
    """Wrap an unauthenticated endpoint (OAuth, unknown paths) with the request log and prefixed faults."""

    async def endpoint(request: Request) -> Response:
        async def run(body: bytes, record: RequestRecord) -> Response:
            return await respond(request, body, record)

        return await _through_gateway(world, request, None, run, False)

    return endpoint


async def _through_gateway(
    world: World,
    request: Request,
    account_id: int | None,
    respond: Responder,
    rate_limited: bool,
) -> Response:
    """Log the request, then refuse, fault or answer it; the log keeps the final status."""
    body = await request.body()
    record = RequestRecord(
        method=request.method,
        path=request.url.path,
        query=request.url.query,
        account_id=account_id,
        time=world.wall_clock(),
        body=_loggable(body),
    )
    world.log(record)
    try:
        response = await _answer(world, request, record, body, respond, rate_limited)
    except Exception as exc:  # a fake must never leak a traceback to its client
        response = problem(500, f"Fake amoCRM failed: {type(exc).__name__}: {exc}")
    record.status = response.status_code
    return response


async def _answer(
    world: World,
    request: Request,
    record: RequestRecord,
    body: bytes,
    respond: Responder,
    rate_limited: bool,
) -> Response:
    """Apply the rate limit and any fault around the real answer."""
    if rate_limited and record.account_id is not None and not world.limiter.admit(record.account_id):
        world.account(record.account_id).rate_limited += 1
        return nginx_page(429)
    fault = world.faults.take(request.url.path, record.account_id, request.method)
    if fault is not None and not fault.after_apply:
        failure = await _inflict(fault, request)
        if failure is not None:
            return failure
    response = await respond(body, record)
    if fault is not None and fault.after_apply:
        failure = await _inflict(fault, request)
        if failure is not None:
            return failure
    return response


async def _inflict(fault: Fault, request: Request) -> Response | None:
    """Sleep and/or fail as the fault says; None means carry on answering normally."""
    if fault.seconds > 0:
        await asyncio.sleep(fault.seconds)
        # A real client that gave up has gone: do not apply its request late behind its back.
        if not fault.after_apply and await request.is_disconnected():
            return Response(status_code=CLIENT_CLOSED_REQUEST)
    if fault.status is not None:
        return fault_response(fault.status, fault.body, fault.content_type)
    return None


def _authorized(world: World, request: Request, grant: Grant | None, body: bytes, handler: ApiHandler) -> Response:
    """Check the bearer token and run the handler, turning its ApiError into a problem response."""
    if grant is None or not world.tokens.is_valid(grant):
        return problem(401, "Unauthorized: the access token is invalid, expired or revoked")
    account = world.accounts.get(grant.account_id)
    if account is None:
        return problem(401, "Unauthorized: the account does not exist")
    call = ApiCall(request=request, world=world, account=account, user_id=grant.user_id, body=body)
    try:
        return handler(call)
    except ApiError as exc:
        return exc.response()


def _loggable(body: bytes) -> Any:
    """Return the body as parsed JSON when it is JSON, as text otherwise, None when empty."""
    if not body:
        return None
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return body.decode(errors="replace")
