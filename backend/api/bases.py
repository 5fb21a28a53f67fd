"""Sync API: connection check (2.1) and linking a 1C base (2.2)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.api.endpoint import Result, SyncCall, answer_logged, sync_endpoint
from backend.api.inputs import Payload
from backend.sync.approval import request_link
from backend.sync.bases import BaseAddress, is_active, is_operator
from backend.sync.domain import Domain
from backend.sync.errors import InvalidInput
from backend.sync.log import LogRecord
from backend.sync.records import Direction


async def check_active(request: Request) -> Response:
    """GET /sync/check_active?key=…: data true while the account has the integration installed and active."""
    services: Domain = request.app.state.domain
    log = LogRecord(direction=Direction.FROM_1C, operation="check_active", summary=dict(request.query_params))

    async def work() -> Result:
        log.account_id = Payload(dict(request.query_params)).require_int("key")
        return Result(data=await is_active(log.account_id))

    return await answer_logged(services, log, work)


async def link(call: SyncCall) -> Result:
    """POST /sync/base: link a new base, or change a linked one (with its current credentials)."""
    payload = call.payload
    address = BaseAddress(
        id_base=payload.require_str("id_base", 100),
        web_address=payload.require_str("web_address"),
        url_address=payload.require_str("url_address"),
        param1=payload.require_str("param1", 255),
        param2=_require_password(payload),
    )
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


def _require_password(payload: Payload) -> str:
    value = payload.data.get("param2")
    if value is None or value == "":
        raise InvalidInput("param2", 'не заполнено обязательное поле "param2"')
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InvalidInput("param2", 'поле "param2" должно быть строкой')
    return str(value)  # a password is kept exactly as sent: no trimming


routes = [
    Route("/sync/check_active", check_active, methods=["GET"]),
    Route("/sync/base", sync_endpoint("base", link, auth="none", needs_base=False), methods=["POST"]),
]
