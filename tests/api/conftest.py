"""Fixtures for the sync API: amo1c in front of the fake amoCRM, with an installed account and a linked base."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from backend.amocrm import LocalRequestBudget, RetryPolicy
from backend.app import create_app
from backend.fakes.amocrm import Account as FakeAccount
from backend.fakes.amocrm import FakeAmoCRM
from backend.models import Account
from backend.settings import Settings
from tests.factories import BASE_AUTH, install_account, link_base


async def no_sleep(seconds: float) -> None:
    return None


@dataclass
class World:
    """amo1c, the fake amoCRM behind it, the installed account and an HTTP client for 1C's calls."""

    fake: FakeAmoCRM
    client: httpx.AsyncClient
    account: Account
    settings: Settings

    @property
    def fake_account(self) -> FakeAccount:
        return self.fake.account(self.account.id)

    async def post(self, path: str, body: dict[str, object], **kwargs: object) -> httpx.Response:
        """A sync call as 1C makes it: JSON with the base's Basic Auth."""
        headers = kwargs.pop("headers", BASE_AUTH)
        return await self.client.post(path, json=body, headers=headers)  # type: ignore[arg-type]

    def api_calls(self) -> int:
        """How many amoCRM API requests the fake has seen so far (OAuth not counted)."""
        return sum(1 for record in self.fake.requests if record.path.startswith("/api/"))


WorldFactory = Callable[..., Awaitable[World]]


@pytest.fixture
def fake_amocrm(settings: Settings) -> FakeAmoCRM:
    assert settings.amocrm_client_id and settings.amocrm_client_secret
    return FakeAmoCRM(
        client_id=settings.amocrm_client_id,
        client_secret=settings.amocrm_client_secret,
        redirect_uri=settings.redirect_uri,
        rps_limit=0,
    )


@pytest.fixture
async def world(settings: Settings, fake_amocrm: FakeAmoCRM) -> AsyncIterator[World]:
    """amo1c (budget 50 rps, retries without sleeping) over an unlimited fake, one account, base "trade" linked."""
    app = create_app(
        settings,
        amocrm_transport=httpx.ASGITransport(app=fake_amocrm),
        amocrm_options={"budget": LocalRequestBudget(50), "retry": RetryPolicy(sleep=no_sleep)},
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://amo1c.test") as client,
    ):
        account = await install_account(fake_amocrm, settings)
        await link_base(client, account.id)
        yield World(fake_amocrm, client, account, settings)
