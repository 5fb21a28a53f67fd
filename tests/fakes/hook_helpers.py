"""Webhook tests of the fake amoCRM: a receiver app recording every POST, and a session whose fake sends to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tests.fakes.amocrm_helpers import Session, open_session


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


HOOK_URL = "https://amo1c.example/amocrm/webhooks/s3cr3t"
EVENTS = ("status_lead", "update_lead", "update_contact", "update_company")


@asynccontextmanager
async def hooked_session(
    receiver: HookReceiver | None = None, events: Sequence[str] = EVENTS, **overrides: Any
) -> AsyncIterator[tuple[Session, HookReceiver]]:
    """Yield a session whose fake sends hooks in-process to a receiver subscribed to `events`."""
    receiver = receiver or HookReceiver()
    async with open_session(webhook_transport=httpx.ASGITransport(app=receiver), **overrides) as s:
        s.fake.add_webhook(s.account.id, HOOK_URL, list(events))
        yield s, receiver


def open_statuses(s: Session) -> list[int]:
    """Return the ids of the main pipeline's ordinary stages."""
    return [status.id for status in s.account.main_pipeline().statuses if not status.is_system]
