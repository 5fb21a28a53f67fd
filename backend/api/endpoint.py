"""One wrapper for every sync endpoint: parse, find the account and base, authenticate, run, answer, log."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend import metrics, request_context
from backend.api.auth import basic_credentials
from backend.api.body import ID_1C, ID_BASE, ITEMS, KEY, read_field
from backend.api.envelope import error_response, success
from backend.api.inputs import MAX_BATCH_BYTES, MAX_BODY_BYTES, Payload, check_text, read_json_object
from backend.sync.access import admit_base, admit_operator
from backend.sync.bases import mark_seen
from backend.sync.credentials import Credentials
from backend.sync.domain import Domain
from backend.sync.errors import AuthenticationRequired, InvalidInput, TooManyAttempts
from backend.sync.log import LogRecord
from backend.sync.operations import Operation, operation_label
from backend.sync.records import Account, Base, Direction
from backend.sync.workspace import Workspace

Auth = Literal["base", "admin", "none"]


@dataclass
class SyncCall:
    """One sync API call being handled: its payload, account (and its workspace), base and what goes into the sync
    log."""

    services: Domain
    payload: Payload
    workspace: Workspace
    account: Account
    id_base: str
    base: Base | None
    credentials: Credentials | None
    log: LogRecord
    client: str = ""

    def linked_base(self) -> Base:
        """The base the call names (endpoints declared with a base always have one)."""
        assert self.base is not None, "endpoint declared without a base"
        return self.base


@dataclass
class Result:
    """What a handler answers: the envelope's `data`, plus the ids the sync log records."""

    data: Any = None
    amo_id: int | None = None
    id_1c: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[SyncCall], Awaitable[Result]]


async def answer_logged(
    services: Domain, log: LogRecord, work: Callable[[], Awaitable[Result]], *, client: str = ""
) -> Response:
    """Run `work`, answer its data in the envelope (or its error with a status), and write the sync log entry.

    A call refused for its credentials (or throttled) is counted in the base's entry of the hour instead. Every
    call is counted in the metrics under its operation.
    """
    started = time.perf_counter()
    error: str | None = None
    refused = False
    request_context.annotate(operation=log.operation)
    try:
        result = await work()
        log.amo_id = result.amo_id if result.amo_id is not None else log.amo_id
        log.id_1c = result.id_1c if result.id_1c is not None else log.id_1c
        response: Response = success(result.data)
    except Exception as exc:  # every failure is answered in the envelope, never as a bare 500
        response = error_response(exc)
        error = str(exc) or type(exc).__name__
        refused = isinstance(exc, AuthenticationRequired | TooManyAttempts)
    seconds = time.perf_counter() - started
    request_context.annotate(account=log.account_id, base=log.id_base, operation=log.operation)
    metrics.sync_call(operation_label(log.operation), response.status_code, seconds)
    if refused and error is not None:
        await services.sync_log.count_refused(log, status=response.status_code, error=error, client=client)
    else:
        await services.sync_log.write(log, status=response.status_code, error=error, duration_ms=int(seconds * 1000))
    return response


def batch_summary(data: Mapping[str, Any]) -> dict[str, Any]:
    """What the sync log keeps of a batch's body: everything but its items, and how many there are."""
    items = data.get(ITEMS.name)
    return {**{key: value for key, value in data.items() if key != ITEMS.name}, ITEMS.name: _count(items)}


def _count(items: Any) -> Any:
    return len(items) if isinstance(items, list) else type(items).__name__


def named_1c_object(payload: Payload) -> str | None:
    """The 1C id a call names (`id_1c`, read as every body declares it), or None — also when it is not one: the
    handler refuses it then, after the caller was admitted."""
    try:
        value: str | None = read_field(payload, ID_1C)
    except InvalidInput:
        return None
    return value


def client_address(request: Request) -> str:
    """The caller's address: the peer, or the client a trusted proxy names (uvicorn's proxy headers handling,
    FORWARDED_ALLOW_IPS, rewrites the peer from X-Forwarded-For)."""
    return request.client.host if request.client is not None else ""


def sync_route(
    operation: Operation, handler: Handler, *, auth: Auth = "base", needs_base: bool = True, batch: bool = False
) -> Route:
    """The route of a POST sync call at its operation's path, logged under its name (sync.operations lists both)."""
    endpoint = sync_endpoint(operation.value, handler, auth=auth, needs_base=needs_base, batch=batch)
    return Route(operation.path, endpoint, methods=[operation.method])


def sync_endpoint(
    operation: str, handler: Handler, *, auth: Auth = "base", needs_base: bool = True, batch: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler of a POST sync call into a Starlette endpoint that always answers the envelope.

    The caller is checked before anything of the body beyond `key` and `id_base` is read or stored: a stranger's
    call leaves no body in the sync log and learns nothing of the fields. A `batch` body may be larger, its
    `items` are checked by the handler one by one, and the sync log keeps their count instead of them.
    """

    async def endpoint(request: Request) -> Response:
        services: Domain = request.app.state.domain
        log = LogRecord(direction=Direction.FROM_1C, operation=operation)
        client = client_address(request)

        async def work() -> Result:
            payload = await read_json_object(request, MAX_BATCH_BYTES if batch else MAX_BODY_BYTES)
            account_id: int = read_field(payload, KEY)
            log.account_id = account_id
            id_base: str = read_field(payload, ID_BASE)
            log.id_base = id_base
            request_context.annotate(account=account_id, base=id_base)  # for the log lines the call writes
            workspace = services.workspace(account_id)
            credentials = basic_credentials(request)
            settings = services.settings
            base = None
            if needs_base and auth == "base":  # every call of a base: account, base, caller and links in one query
                base = await workspace.admit(
                    id_base,
                    credentials,
                    client=client,
                    check_credentials=settings.sync_auth == "basic",
                    id_1c=named_1c_object(payload),
                )
                account = await workspace.account()
            else:
                account = await workspace.active_account()
                if auth == "admin":
                    await admit_operator(settings.admin_user, settings.admin_password, credentials, client=client)
                if needs_base:
                    base = await admit_base(
                        account, id_base, services.secrets, credentials, client=client, check_credentials=False
                    )
            log.summary = batch_summary(payload.data) if batch else payload.data
            check_text(payload, skip=ITEMS.name if batch else None)
            if base is not None:
                await mark_seen(base)
            call = SyncCall(services, payload, workspace, account, id_base, base, credentials, log, client)
            return await handler(call)

        return await answer_logged(services, log, work, client=client)

    return endpoint
