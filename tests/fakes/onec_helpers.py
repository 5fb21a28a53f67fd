"""Shared builders for the FakeOneC tests: a configured fake, a client bound to it, request bodies."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from backend.fakes.onec import BOM, FakeOneC

LOGIN = "Администратор"
PASSWORD = "пароль-1С"
ACCOUNT_ID = 29384756
ID_BASE = "b7e1c2d4-base"
PATH = "/base/hs/amo1c/handler"
URL_ADDRESS = "http://127.0.0.1:8002/base"
REF = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def make_fake(**overrides: Any) -> FakeOneC:
    """Return a fake bound to the test account and base unless overridden."""
    settings: dict[str, Any] = {
        "login": LOGIN,
        "password": PASSWORD,
        "path": PATH,
        "url_address": URL_ADDRESS,
        "handlers_version": "1.4.2",
        "account_id": ACCOUNT_ID,
        "id_base": ID_BASE,
    }
    settings.update(overrides)
    return FakeOneC(**settings)


@asynccontextmanager
async def onec_client(fake: FakeOneC, auth: Any = (LOGIN, PASSWORD)) -> AsyncIterator[httpx.AsyncClient]:
    """Yield an httpx client that reaches `fake` in-process, with Basic Auth unless `auth` is None."""
    transport = httpx.ASGITransport(app=fake)
    async with httpx.AsyncClient(transport=transport, base_url="http://onec.test", auth=auth) as client:
        yield client


def payload(type_: str, **fields: Any) -> dict[str, Any]:
    """Return a request body of `type_` with the test key and id_base."""
    return {"key": ACCOUNT_ID, "id_base": ID_BASE, "type": type_, **fields}


async def call(client: httpx.AsyncClient, type_: str, **fields: Any) -> httpx.Response:
    """POST a request of `type_` to the handler path."""
    return await client.post(PATH, json=payload(type_, **fields))


def answer_json(response: httpx.Response) -> Any:
    """Return the JSON of a 1C answer after asserting it starts with a UTF-8 BOM and is typed as JSON."""
    raw = response.content
    assert raw.startswith(BOM), raw[:20]
    assert raw.decode("utf-8").startswith("\ufeff")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return json.loads(raw.decode("utf-8-sig"))


def answer_text(response: httpx.Response) -> str:
    """Return the text of a 1C module text answer after asserting its BOM and text/plain type."""
    assert response.content.startswith(BOM), response.content[:20]
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    return response.content.decode("utf-8-sig")


def contact(amo_id: int = 501, **fields: Any) -> dict[str, Any]:
    """Return a `clients.contact` object for an individual."""
    return {"id": amo_id, "name": "Иван Петров", "responsible_user_id": 7001, **fields}


def company(amo_id: int = 901, inn: Any = "7707083893", **fields: Any) -> dict[str, Any]:
    """Return a `clients.company` object for a legal entity."""
    return {"id": amo_id, "name": "ООО «Ромашка»", "responsible_user_id": 7001, "inn": inn, **fields}
