"""X-Request-ID: every answer carries one, a proxy's well-formed id is kept, anything else is replaced (the sync log
entry keeping it: tests/ui/test_log_request_id.py)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.request_context import (
    MAX_ID_CHARS,
    Message,
    Receive,
    RequestContextMiddleware,
    Scope,
    Send,
    current_request_id,
    request_id_of,
)

GENERATED = 32  # uuid4().hex


async def test_every_answer_carries_a_new_request_id(client: httpx.AsyncClient) -> None:
    first, second = await client.get("/healthz"), await client.get("/no/such/page")

    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert first.json() == {"status": "ok"} and second.status_code == 404
    assert all(len(value) == GENERATED and int(value, 16) >= 0 for value in ids)
    assert ids[0] != ids[1]


@pytest.mark.parametrize("proxied", ["a", "req-1.2_3:4", "F" * MAX_ID_CHARS, "0f8fad5b-d9cb-469f-a165-70867728950e"])
async def test_a_well_formed_proxied_id_is_kept(client: httpx.AsyncClient, proxied: str) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": proxied})

    assert response.headers.get_list("x-request-id") == [proxied]


@pytest.mark.parametrize(
    "malicious",
    [b"x" * (MAX_ID_CHARS + 1), b"id\nSet-Cookie: a=b", b'id"><script>', b"id with spaces", b"", b"\xd0\xb8\xd0\xb4"],
)
def test_a_malformed_proxied_id_is_replaced(malicious: bytes) -> None:
    replaced = request_id_of([(b"x-request-id", malicious)])

    assert len(replaced) == GENERATED and replaced.isalnum()


async def test_the_middleware_never_reflects_a_bad_id_and_keeps_one_header() -> None:
    seen: list[str | None] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(current_request_id())
        headers = [(b"content-type", b"text/plain"), (b"x-request-id", b"the-app-s-own")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"x-request-id", b'evil"\r\nX-Injected: 1')]}
    await RequestContextMiddleware(app)(scope, receive, send)

    ids = [value for key, value in sent[0]["headers"] if key == b"x-request-id"]
    assert len(ids) == 1 and ids[0].decode() == seen[0]
    assert b"evil" not in ids[0] and len(ids[0]) == GENERATED
    assert current_request_id() is None  # nothing stays behind after the request


async def test_a_crash_answers_500_with_the_request_id(app: Starlette) -> None:
    async def crash(request: Request) -> Response:
        raise RuntimeError("a bug")

    app.router.routes.append(Route("/crash", crash))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://amo1c.test") as client:
        response = await client.get("/crash", headers={"X-Request-ID": "crash-1"})

    assert response.status_code == 500
    assert response.headers.get_list("x-request-id") == ["crash-1"]
