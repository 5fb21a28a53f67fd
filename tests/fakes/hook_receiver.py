"""A webhook receiver for the fake amoCRM's tests: a real ASGI app that records every POST it was sent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send


@dataclass
class ReceivedHook:
    """One POST the receiver got: its path, content type and form pairs in the order sent."""

    path: str
    content_type: str
    pairs: list[tuple[str, str]]

    @property
    def fields(self) -> dict[str, str]:
        """The form as a dict."""
        return dict(self.pairs)


class HookReceiver:
    """Answers every POST with `status` after `delay` seconds, recording it once its body is read."""

    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        self.status = status
        self.delay = delay
        self.received: list[ReceivedHook] = []
        self._app = Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection."""
        await self._app(scope, receive, send)

    async def _receive(self, request: Request) -> Response:
        raw = (await request.body()).decode()
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=bool(raw))
        self.received.append(ReceivedHook(request.url.path, request.headers.get("content-type", ""), pairs))
        if self.delay:
            await asyncio.sleep(self.delay)
        return PlainTextResponse("ok", status_code=self.status)

    def paths(self) -> list[str]:
        """Return the path of every hook received, in order."""
        return [hook.path for hook in self.received]
