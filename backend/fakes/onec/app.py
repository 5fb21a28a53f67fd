"""FakeOneC: the fake infobase published as an HTTP service behind Basic Auth, with faults and a request log."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from backend.fakes.onec.control import ControlApi
from backend.fakes.onec.faults import MODULE_ERROR, FaultQueue, make_fault
from backend.fakes.onec.infobase import InfoBase
from backend.fakes.onec.records import LoggedRequest
from backend.fakes.onec.responses import html_error_page, onec_json, onec_text, platform_text
from backend.fakes.onec.validation import RequestError

REALM = 'Basic realm="1C:Enterprise 8.3"'
# Starlette treats a function endpoint without methods as GET-only; the handler answers 405 itself.
ANY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class FakeOneC(InfoBase):
    """An ASGI app serving one 1C HTTP-service handler at `path`; owns the base, its request log and faults."""

    def __init__(
        self,
        *,
        login: str,
        password: str,
        path: str = "/base/hs/amo1c/handler",
        url_address: str = "http://127.0.0.1:8002/base",
        handlers_version: str = "1.0.0",
        account_id: int | None = None,
        id_base: str | None = None,
        latency: float = 0.0,
    ) -> None:
        if not path.startswith("/") or path.startswith("/_fake"):
            raise ValueError("path must start with / and not with /_fake")
        super().__init__(
            url_address=url_address, handlers_version=handlers_version, account_id=account_id, id_base=id_base
        )
        self.login = login
        self.password = password
        self.path = path
        self.latency = latency
        self.down = False
        self.down_note = ""
        self.requests: list[LoggedRequest] = []
        self.faults = FaultQueue()
        routes = [
            *ControlApi(self).routes(),
            Route(path, self._handle, methods=ANY_METHOD),
            Route("/{rest:path}", self._not_found, methods=ANY_METHOD),
        ]
        self._app = Starlette(routes=routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection (HTTP or lifespan) through the internal Starlette app."""
        await self._app(scope, receive, send)

    def fail_next(self, n: int = 1, status: int = 500, body: str = MODULE_ERROR, type: str | None = None) -> None:
        """Answer the next `n` matching requests with `status` and a module-exception text; raises ValueError."""
        self.faults.add(make_fault("status", n, status=status, body=body, type=type))

    def hang_next(self, n: int = 1, seconds: float = 30.0, type: str | None = None) -> None:
        """Make the next `n` matching requests wait `seconds` before answering normally; raises ValueError."""
        self.faults.add(make_fault("hang", n, seconds=seconds, type=type))

    def garbage_next(self, n: int = 1, body: bytes | None = None, type: str | None = None) -> None:
        """Answer the next `n` matching requests with 200 and bytes that are not JSON; raises ValueError."""
        self.faults.add(make_fault("garbage", n, body=body, type=type))

    def html_next(self, n: int = 1, status: int = 502, type: str | None = None) -> None:
        """Answer the next `n` matching requests with a web server's HTML error page; raises ValueError."""
        self.faults.add(make_fault("html", n, status=status, type=type))

    def session_timeout_next(self, n: int = 1, type: str | None = None) -> None:
        """Answer the next `n` matching requests with 406 "Истекло время ожидания сеанса"; raises ValueError."""
        self.faults.add(make_fault("session_timeout", n, type=type))

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self.faults.clear()

    def go_down(self, note: str = "") -> None:
        """Stop the publication: until `come_back`, every request is answered 503 by the web server in front (its
        page also says `note`, when given: the demo labels its down base so)."""
        self.down = True
        self.down_note = note

    def come_back(self) -> None:
        """Start the publication again after `go_down`; the base's data is as it was."""
        self.down = False
        self.down_note = ""

    def reset(self) -> None:
        """Forget the base's data, the request log and queued faults and come back up; version, latency, login stay."""
        self.reset_data()
        self.requests.clear()
        self.faults.clear()
        self.down = False

    def requests_of(self, type: str) -> list[LoggedRequest]:
        """Return the logged handler requests whose body `type` is `type`."""
        return [entry for entry in self.requests if entry.type == type]

    async def _handle(self, request: Request) -> Response:
        entry = LoggedRequest(time=datetime.now(UTC), method=request.method, path=request.url.path)
        self.requests.append(entry)
        response = await self._answer(request, entry)
        entry.status = response.status_code
        return response

    async def _answer(self, request: Request, entry: LoggedRequest) -> Response:
        if self.down:
            return await _unavailable(request, entry, self.down_note)
        if request.method != "POST":
            return platform_text(f"Метод {request.method} не поддерживается", 405, {"Allow": "POST"})
        # The body is logged even when auth fails: it shows what the caller meant to send.
        payload, problem = _log_body(entry, await request.body())
        entry.auth_ok, entry.login = self._authenticate(request.headers.get("authorization"))
        if not entry.auth_ok:
            return platform_text("401 Unauthorized", 401, {"WWW-Authenticate": REALM})
        fault = self.faults.take(entry.type)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        if fault is None:
            return self._process(payload, problem)
        entry.fault = fault.mode
        return await fault.respond(lambda: self._process(payload, problem))

    def _process(self, payload: Any, problem: str | None) -> Response:
        if problem is not None:
            return onec_text(problem, 400)
        try:
            return onec_json(self.handle(payload))
        except RequestError as error:
            return onec_text(str(error), 400)

    def _authenticate(self, header: str | None) -> tuple[bool, str | None]:
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False, None
        try:
            login, _, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False, None
        same_login = hmac.compare_digest(login.encode("utf-8"), self.login.encode("utf-8"))
        same_password = hmac.compare_digest(password.encode("utf-8"), self.password.encode("utf-8"))
        return same_login and same_password, login

    async def _not_found(self, request: Request) -> Response:
        entry = LoggedRequest(time=datetime.now(UTC), method=request.method, path=request.url.path)
        self.requests.append(entry)
        if self.down:
            response = await _unavailable(request, entry, self.down_note)
        else:
            response = platform_text(f"Не найден шаблон URL, соответствующий запросу: {request.url.path}", 404)
        entry.status = response.status_code
        return response


async def _unavailable(request: Request, entry: LoggedRequest, note: str) -> Response:
    """Answer as the web server does in front of a stopped publication, logging what the caller sent."""
    _log_body(entry, await request.body())
    entry.fault = "down"
    return html_error_page(503, note)


def _log_body(entry: LoggedRequest, raw: bytes) -> tuple[Any, str | None]:
    """Parse a request body into the log entry (its `type` too); return it and 1C's complaint, as `_parse_body`."""
    payload, problem = _parse_body(raw)
    entry.body = payload
    if isinstance(payload, dict) and isinstance(payload.get("type"), str):
        entry.type = payload["type"]
    return payload, problem


def _parse_body(raw: bytes) -> tuple[Any, str | None]:
    """Return the JSON body (a BOM tolerated) and None, or the raw text and 1C's complaint about it."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), "Ошибка преобразования тела запроса: текст не в кодировке UTF-8"
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        return text, f"Ошибка при вызове метода контекста (ПрочитатьJSON): {error.msg} (строка {error.lineno})"
    if not isinstance(payload, dict):
        return payload, "Тело запроса должно быть объектом JSON"
    return payload, None
