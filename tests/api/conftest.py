"""Fixtures for the sync API: amo1c in front of the fake amoCRM, with an installed account and a linked base."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette

from backend.fakes.amocrm import Account as FakeAccount
from backend.fakes.amocrm import FakeAmoCRM
from backend.models import Account
from backend.settings import Settings
from tests.factories import BASE_AUTH, install_account, link_base, stored_log


@dataclass
class World:
    """amo1c, the fake amoCRM behind it, the installed account and an HTTP client for 1C's calls."""

    fake: FakeAmoCRM
    client: httpx.AsyncClient
    account: Account
    settings: Settings
    app: Starlette

    @property
    def fake_account(self) -> FakeAccount:
        return self.fake.account(self.account.id)

    async def post(self, path: str, body: dict[str, object], **kwargs: object) -> httpx.Response:
        """A sync call as 1C makes it: JSON with the base's Basic Auth."""
        headers = kwargs.pop("headers", BASE_AUTH)
        return await self.client.post(path, json=body, headers=headers)  # type: ignore[arg-type]

    async def stored_log(self) -> None:
        """Store the sync log entries amo1c still holds in its buffer (it stores them within 200 ms)."""
        await stored_log(self.app)

    def api_calls(self) -> int:
        """How many amoCRM API requests the fake has seen so far (OAuth not counted)."""
        return sum(1 for record in self.fake.requests if record.path.startswith("/api/"))


WorldFactory = Callable[..., Awaitable[World]]


@pytest.fixture
async def world(
    settings: Settings, fake_amocrm: FakeAmoCRM, amo_app: Starlette, amo_client: httpx.AsyncClient
) -> World:
    """amo1c over the fake amoCRM with one installed account and base "trade" linked."""
    account = await install_account(fake_amocrm, settings)
    await link_base(amo_client, account.id)
    return World(fake_amocrm, amo_client, account, settings, amo_app)
