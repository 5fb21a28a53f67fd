from __future__ import annotations

import httpx
from tortoise import Tortoise

from backend.app import create_app
from backend.settings import Settings
from backend.sync.domain import Domain


async def test_healthz_ok_when_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_healthz_503_when_database_does_not_answer(settings: Settings) -> None:
    # A PostgreSQL URL on a port nobody listens on: the app starts, the database never answers.
    app = create_app(settings.with_overrides(database_url="postgres://amo1c:pw@127.0.0.1:9/amo1c"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        response = await http.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


async def test_lifespan_opens_clients_with_injected_transports(settings: Settings) -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"ok": True})

    app = create_app(settings, amocrm_transport=httpx.MockTransport(answer), onec_transport=httpx.MockTransport(answer))
    async with app.router.lifespan_context(app):
        services: Domain = app.state.domain
        assert (await services.amocrm_http.get("http://amocrm.test/api/v4/account")).json() == {"ok": True}
        assert (await services.onec_http.post("http://onec.test/hs/x")).status_code == 200
        assert Tortoise._inited
    assert seen == ["http://amocrm.test/api/v4/account", "http://onec.test/hs/x"]
