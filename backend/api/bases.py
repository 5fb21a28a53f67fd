"""Sync API: connection check (2.1) and linking a 1C base (2.2)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.api.body import KEY, Body, Kind, declared, read_body, read_field
from backend.api.endpoint import Result, SyncCall, answer_logged, sync_route
from backend.api.inputs import Payload
from backend.sync.accounts import is_active
from backend.sync.approval import request_link
from backend.sync.bases import BaseAddress
from backend.sync.credentials import is_operator
from backend.sync.domain import Domain
from backend.sync.log import LogRecord
from backend.sync.operations import Operation
from backend.sync.records import Direction


async def check_active(request: Request) -> Response:
    """GET /sync/check_active?key=…: data true while the account has the integration installed and active."""
    services: Domain = request.app.state.domain
    log = LogRecord(direction=Direction.FROM_1C, operation="check_active", summary=dict(request.query_params))

    async def work() -> Result:
        log.account_id = read_field(Payload(dict(request.query_params)), KEY)
        return Result(data=await is_active(log.account_id))

    return await answer_logged(services, log, work)


@dataclass(frozen=True)
class LinkBaseRequest(Body):
    """2.2's body: where the base's handlers and server are, and its credentials."""

    web_address: str = declared(Kind.ADDRESS, required=True, description="Адрес обработчиков 1С / 1C handlers URL")
    url_address: str = declared(Kind.ADDRESS, required=True, description="Адрес сервера 1С / 1C server URL")
    param1: str = declared(Kind.TEXT, required=True, max_length=255, description="Логин 1С / 1C login")
    param2: str = declared(
        Kind.PASSWORD,
        required=True,
        description="Пароль 1С, хранится зашифрованным, как передан / 1C password, stored encrypted",
    )


async def link(call: SyncCall) -> Result:
    """POST /sync/base: link a new base, or change a linked one (with its current credentials)."""
    body = read_body(LinkBaseRequest, call.payload)
    address = BaseAddress(call.id_base, body.web_address, body.url_address, body.param1, body.param2)
    settings = call.services.settings
    outcome = await request_link(
        call.account,
        address,
        call.services.secrets,
        call.credentials,
        operator=is_operator(settings.admin_user, settings.admin_password, call.credentials),
        check_credentials=settings.sync_auth == "basic",
        client=call.client,
    )
    if outcome.request is not None:
        return Result(data=None, extra={"awaiting_approval": outcome.request.id})
    return Result(data=None, extra={"base": outcome.base.id if outcome.base else None})


routes = [
    Route(Operation.CHECK_ACTIVE.path, check_active, methods=[Operation.CHECK_ACTIVE.method]),
    sync_route(Operation.BASE, link, auth="none", needs_base=False),
]
