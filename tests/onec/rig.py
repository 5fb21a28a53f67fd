"""Builders for the 1C client tests: the fake base behind ASGITransport, a scripted transport, a recording sink."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from backend.fakes.onec import BOM, FakeOneC
from backend.onec import CallRecord, Connection, OneCClient, Resolver

LOGIN = "Администратор"
PASSWORD = "секрет-пароль-1С"
ACCOUNT_ID = 29384756
ID_BASE = "b7e1c2d4-base"
PATH = "/base/hs/amo1c/handler"
WEB_ADDRESS = f"http://onec.test{PATH}"
PUBLIC_IP = "93.184.216.34"
TIMEOUT = 5.0


def connection(web_address: str = WEB_ADDRESS, *, login: str = LOGIN, password: str = PASSWORD) -> Connection:
    """Return the test base's connection, overridable per test."""
    return Connection(web_address=web_address, login=login, password=password, account_id=ACCOUNT_ID, id_base=ID_BASE)


def make_fake(**overrides: Any) -> FakeOneC:
    """Return a fake base bound to the test account, base id and Cyrillic login."""
    settings: dict[str, Any] = {
        "login": LOGIN,
        "password": PASSWORD,
        "path": PATH,
        "url_address": "http://onec.test/base",
        "handlers_version": "1.4.2",
        "account_id": ACCOUNT_ID,
        "id_base": ID_BASE,
    }
    settings.update(overrides)
    return FakeOneC(**settings)


def public_resolver(seen: list[str] | None = None, answer: tuple[str, ...] = (PUBLIC_IP,)) -> Resolver:
    """Return a resolver answering `answer` for every host, noting each host asked in `seen`."""

    def resolve(host: str) -> list[str]:
        if seen is not None:
            seen.append(host)
        return list(answer)

    return resolve


@dataclass
class Sink:
    """An `on_call` that keeps every record it is given."""

    records: list[CallRecord] = field(default_factory=list)

    async def __call__(self, record: CallRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    @property
    def last(self) -> CallRecord:
        """The latest record."""
        return self.records[-1]


def record_text(record: CallRecord) -> str:
    """Return every field of a record as one string, to search for secrets."""
    return json.dumps(dataclasses.asdict(record), ensure_ascii=False, default=str) + repr(record)


Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Scripted:
    """A MockTransport handler answering from a script (a response, an exception, or a function) and recording.

    The last script entry repeats once the others are used up.
    """

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """Record the request and play the next reply."""
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)

    def body(self, index: int = -1) -> Any:
        """Return the JSON body of a recorded request."""
        return json.loads(self.requests[index].content.decode("utf-8"))


def answer(data: Any, status: int = 200, *, bom: bool = True) -> httpx.Response:
    """Return a JSON answer written as 1C writes it (BOM first by default)."""
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return httpx.Response(status, content=(BOM if bom else b"") + body, headers={"content-type": "application/json"})


def raw(body: bytes | str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> httpx.Response:
    """Return an answer with exactly this body."""
    content = body.encode("utf-8") if isinstance(body, str) else body
    return httpx.Response(status, content=content, headers={"content-type": content_type})


@asynccontextmanager
async def fake_client(
    fake: FakeOneC,
    *,
    seconds: float = TIMEOUT,
    allow_private: bool = True,
    resolver: Resolver | None = None,
    sink: Sink | None = None,
    http_options: dict[str, Any] | None = None,
) -> AsyncIterator[OneCClient]:
    """Yield a OneCClient (calls limited to `seconds`) whose HTTP client reaches `fake` in process."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), **(http_options or {})) as http:
        yield _client(http, seconds, allow_private, resolver, sink)


@asynccontextmanager
async def scripted_client(
    script: Scripted,
    *,
    seconds: float = TIMEOUT,
    allow_private: bool = True,
    resolver: Resolver | None = None,
    sink: Sink | None = None,
) -> AsyncIterator[OneCClient]:
    """Yield a OneCClient (calls limited to `seconds`) whose HTTP client is answered by `script`."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        yield _client(http, seconds, allow_private, resolver, sink)


def _client(
    http: httpx.AsyncClient, timeout: float, allow_private: bool, resolver: Resolver | None, sink: Sink | None
) -> OneCClient:
    if resolver is None:
        return OneCClient(http, timeout=timeout, allow_private=allow_private, on_call=sink)
    return OneCClient(http, timeout=timeout, allow_private=allow_private, resolver=resolver, on_call=sink)
