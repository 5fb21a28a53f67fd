"""The sync API under amoCRM's limits: token expiry under a burst, and the request budget against 7 rps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from backend.amocrm import LocalRequestBudget
from backend.fakes.amocrm import FakeAmoCRM
from backend.settings import Settings
from tests.api.conftest import World
from tests.conftest import amo1c_over_fakes, client_of
from tests.factories import install_account, link_base


def contact(world: World, n: int) -> dict[str, object]:
    return {"key": world.account.id, "id_base": "trade", "id_1c": f"person-{n}", "name": f"Контакт {n}"}


async def test_twenty_concurrent_calls_with_an_expired_token_make_one_refresh(world: World) -> None:
    world.fake.expire_tokens(world.account.id)
    responses = await asyncio.gather(*(world.post("/sync/clients_contacts", contact(world, n)) for n in range(20)))
    assert [response.status_code for response in responses] == [200] * 20
    assert world.fake_account.refresh_grants == 1
    assert len(world.fake_account.contacts) == 20


class ManualClock:
    """One monotonic clock for amo1c's budget and the fake's 7 rps check: it moves only when the budget sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def limited_world(settings: Settings, clock: ManualClock) -> AsyncIterator[World]:
    """amo1c with its default budget (6 rps) in front of the fake enforcing amoCRM's 7 rps, on one manual clock."""
    assert settings.amocrm_client_id and settings.amocrm_client_secret
    fake = FakeAmoCRM(
        client_id=settings.amocrm_client_id,
        client_secret=settings.amocrm_client_secret,
        redirect_uri=settings.redirect_uri,
        rps_limit=7,
        clock=clock.monotonic,
    )
    budget = LocalRequestBudget(6, clock=clock.monotonic, sleep=clock.sleep)
    async with amo1c_over_fakes(settings, fake, budget=budget) as app, client_of(app) as client:
        account = await install_account(fake, settings)
        await link_base(client, account.id)
        yield World(fake, client, account, settings, app)


async def test_thirty_new_contacts_in_a_row_see_no_429_and_keep_to_the_budget(
    limited_world: World, clock: ManualClock
) -> None:
    world = limited_world
    for n in range(30):
        response = await world.post("/sync/clients_contacts", contact(world, n))
        assert response.status_code == 200, response.text
    assert world.fake_account.rate_limited == 0
    # one create each (no phone or email to search by), and once per account: the field list and the field
    # that keeps 1C's id made
    assert world.api_calls() == 32
    # 32 request starts spaced 1/6 s apart: the budget waited 31/6 s of the shared clock, not a moment more
    assert clock.slept == pytest.approx(31 / 6)
