"""What is known about the request being served — its id, account, base and operation — for log lines and the sync
log, and the pure ASGI middleware that sets it and answers the id in `X-Request-ID`.

The id is the proxy's `X-Request-ID` when it is one of ours to trust the shape of (1–64 letters, digits, `.`, `_`,
`:` or `-`), else a new random one: a client's arbitrary bytes never reach a header, a log line or the database.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

HEADER = "X-Request-ID"
MAX_ID_CHARS = 64
_SAFE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
_HEADER_KEY = HEADER.lower().encode("ascii")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class RequestContext:
    """One request's id and what the handler learned of it (account, base, operation) as it went."""

    request_id: str
    started: float = field(default_factory=time.perf_counter)
    account: int | None = None
    base: str | None = None
    operation: str | None = None

    def elapsed_ms(self) -> int:
        """Milliseconds since the request came in."""
        return int((time.perf_counter() - self.started) * 1000)


_current: ContextVar[RequestContext | None] = ContextVar("amo1c_request", default=None)


def current() -> RequestContext | None:
    """The request being served in this task, or None outside any (a background round, the startup)."""
    return _current.get()


def current_request_id() -> str | None:
    """The id of the request being served, or None outside any."""
    context = _current.get()
    return None if context is None else context.request_id


def annotate(*, account: int | None = None, base: str | None = None, operation: str | None = None) -> None:
    """Note what the handler learned of the request being served (nothing outside a request); raises nothing."""
    context = _current.get()
    if context is None:
        return
    if account is not None:
        context.account = account
    if base is not None:
        context.base = base
    if operation is not None:
        context.operation = operation


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    """The proxy's X-Request-ID when it has a safe shape, else a new random id (32 hex digits)."""
    for key, value in headers:
        if key.lower() == _HEADER_KEY:
            if _SAFE_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Pure ASGI middleware: every HTTP request gets a RequestContext for its whole handling (access log line
    included) and its id back in X-Request-ID; other scopes pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request inside its context; raises what the app raises."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        context = RequestContext(request_id_of(scope.get("headers") or []))
        token = _current.set(context)
        header = (_HEADER_KEY, context.request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [item for item in message.get("headers", []) if item[0].lower() != _HEADER_KEY]
                message["headers"] = [*headers, header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)
