"""The settings pages' world: amo1c with the fake amoCRM and the fake 1C behind it, an installed account,
its base "trade" linked through the sync API, and an admin's UI token. Every response a test reads goes
through `Admin.get/post/put/delete`, which fails the test if the base's password ever appears in it."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.onec import FakeOneC
from backend.models import Account, OneCBase
from backend.settings import Settings
from backend.sync.domain import Domain
from backend.ui.tokens import Lang, UISession, UITokens
from tests.conftest import amo1c_over_fakes, client_of
from tests.factories import BASE_AUTH, BASE_PASSWORD, install_account, link_base

HANDLER_PATH = "/trade/hs/amo1c/handler"
WEB_ADDRESS = f"http://1c.test{HANDLER_PATH}"
ADMIN_USER_ID = 7001


@dataclass
class Admin:
    """An admin of the installed account using the settings pages; every answer is checked for the password."""

    client: httpx.AsyncClient
    amocrm: FakeAmoCRM
    onec: FakeOneC
    account: Account
    settings: Settings
    services: Domain
    lang: Lang = "ru"
    admin: bool = True
    secrets: list[str] = field(default_factory=lambda: [BASE_PASSWORD])
    app: Starlette | None = None  # amo1c itself, for the fake amoCRM's webhook deliveries

    @property
    def token(self) -> str:
        return UITokens(self.settings.secret_key).issue(
            UISession(self.account.id, ADMIN_USER_ID, is_admin=self.admin, lang=self.lang)
        )

    def htmx(self) -> dict[str, str]:
        return {"X-UI-Token": self.token, "HX-Request": "true"}

    async def page(self, path: str, **params: Any) -> httpx.Response:
        """A first load: the token in the query string, no HX-Request."""
        return self.checked(await self.client.get(path, params={"token": self.token, **params}))

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return self.checked(await self.client.get(path, params=params, headers=self.htmx()))

    async def post(self, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
        return self.checked(await self.client.post(path, data=data or {}, headers=self.htmx()))

    async def put(self, path: str, data: dict[str, Any]) -> httpx.Response:
        return self.checked(await self.client.put(path, data=data, headers=self.htmx()))

    async def delete(self, path: str) -> httpx.Response:
        return self.checked(await self.client.delete(path, headers=self.htmx()))

    def checked(self, response: httpx.Response) -> httpx.Response:
        text = html.unescape(response.text)
        for secret in self.secrets:
            assert secret not in text, f"a password leaked into {response.request.url}"
        assert response.headers.get("vary") == "HX-Request", response.request.url
        return response

    async def base(self, id_base: str = "trade") -> OneCBase:
        return await OneCBase.get(account_id=self.account.id, id_base=id_base)

    def fields(self, entity: str) -> dict[str, int]:
        """The fake account's custom fields of an entity by name."""
        return {f.name: f.id for f in self.amocrm.account(self.account.id).custom_fields[entity]}


@pytest.fixture
async def admin(settings: Settings, fake_amocrm: FakeAmoCRM) -> AsyncIterator[Admin]:
    fake_onec = FakeOneC(
        login="Обмен1С", password=BASE_PASSWORD, path=HANDLER_PATH, url_address="http://1c.test/trade",
        handlers_version="2.3.1",
    )  # fmt: skip
    async with amo1c_over_fakes(settings, fake_amocrm, fake_onec) as app, client_of(app) as client:
        account = await install_account(fake_amocrm, settings)
        await link_base(client, account.id, web_address=WEB_ADDRESS)
        yield Admin(client, fake_amocrm, fake_onec, account, settings, app.state.domain, app=app)


async def sync(admin: Admin, path: str, body: dict[str, Any], *, auth: dict[str, str] | None = None) -> httpx.Response:
    """A sync API call as 1C makes it for base "trade"."""
    return await admin.client.post(
        path, json={"key": admin.account.id, "id_base": "trade", **body}, headers=auth or BASE_AUTH
    )
