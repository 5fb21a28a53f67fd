"""What workers share through PostgreSQL: the per-account request budget and the token refresh lock.

Each "worker" here is a set of objects of its own (budget, token store, locks) as a separate process would build
them; the multi-worker test (tests/test_workers.py) does the same with real `amo1c serve` processes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from backend import db
from backend.amocrm import AmoCRMUnreachable, LocalRequestBudget, RetryPolicy
from backend.crypto import SecretBox
from backend.fakes.amocrm import FakeAmoCRM
from backend.models import Account, RequestBudgetSlot
from backend.settings import Settings
from backend.store import AdvisoryLocks, DatabaseRequestBudget, DatabaseTokenStore, coordination
from backend.store.locks import LockUnavailable
from backend.sync.connections import AmoCRMClients
from tests.factories import install_account

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(postgres_database_url: str) -> str:
    """These tests are about PostgreSQL whichever database the rest of the run uses."""
    return postgres_database_url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[None]:
    await db.open_database(database_url)
    yield
    await db.close_database()


class RecordingSleep:
    """A sleep that returns at once and records how long it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_two_workers_budgets_hand_out_one_sequence_of_starts(database: None) -> None:
    sleep = RecordingSleep()
    workers = [DatabaseRequestBudget(10, sleep=sleep), DatabaseRequestBudget(10, sleep=sleep)]

    await asyncio.gather(*(workers[n % 2].acquire(31000001) for n in range(10)))

    # One queue for both: the starts are 0, 0.1, … 0.9 s from now, not two queues of five.
    waits = sorted(sleep.waits)
    assert len(waits) == 9
    for position, wait in enumerate(waits, start=1):
        assert position * 0.1 - 0.05 < wait <= position * 0.1 + 1e-6, waits


async def test_budgets_of_different_accounts_do_not_wait_for_each_other(database: None) -> None:
    sleep = RecordingSleep()
    budget = DatabaseRequestBudget(1, sleep=sleep)

    await asyncio.gather(*(budget.acquire(account_id) for account_id in range(1, 6)))

    assert sleep.waits == []
    assert await RequestBudgetSlot.all().count() == 5


async def test_budget_really_paces_the_starts(database: None) -> None:
    budget = DatabaseRequestBudget(20)
    started: list[float] = []

    async def request() -> None:
        await budget.acquire(31000001)
        started.append(time.monotonic())

    begun = time.monotonic()
    await asyncio.gather(*(request() for _ in range(8)))

    assert started[-1] - begun >= 7 / 20 - 0.01


async def test_budget_without_its_database_paces_locally_instead_of_failing() -> None:
    sleep = RecordingSleep()
    budget = DatabaseRequestBudget(5, connection_name="nowhere", sleep=sleep)

    await budget.acquire(31000001)  # no Tortoise connection at all: logged, paced by this process

    assert sleep.waits == []


def test_amocrm_clients_pace_and_lock_through_the_database_on_postgres_only(settings: Settings) -> None:
    secrets = SecretBox(settings.secret_key)
    on_postgres = coordination(settings, secrets)
    assert isinstance(on_postgres.budget, DatabaseRequestBudget) and on_postgres.tokens.shared is not None
    on_sqlite = coordination(Settings(database_url="sqlite://x.sqlite3", mode="test"), secrets)
    assert isinstance(on_sqlite.budget, LocalRequestBudget) and on_sqlite.tokens.shared is None


async def test_an_advisory_lock_is_held_by_one_worker_at_a_time(database_url: str) -> None:
    first, second = AdvisoryLocks(database_url, 7), AdvisoryLocks(database_url, 7)
    order: list[str] = []

    async def hold(locks: AdvisoryLocks, name: str, seconds: float) -> None:
        async with locks.hold(31000001):
            order.append(f"{name} in")
            await asyncio.sleep(seconds)
            order.append(f"{name} out")

    holder = asyncio.create_task(hold(first, "first", 0.3))
    await asyncio.sleep(0.1)
    async with second.hold(31000002):  # another key is free
        order.append("other key")
    await hold(second, "second", 0)
    await holder

    assert order == ["first in", "other key", "first out", "second in", "second out"]


async def test_an_advisory_lock_held_too_long_is_unavailable(database_url: str) -> None:
    holder, waiter = AdvisoryLocks(database_url, 7), AdvisoryLocks(database_url, 7, timeout=0.2)
    async with holder.hold(1):
        with pytest.raises(LockUnavailable):
            async with waiter.hold(1):
                pass
    async with waiter.hold(1):  # released with its holder's session
        pass


async def test_an_unreachable_database_makes_the_lock_unavailable() -> None:
    locks = AdvisoryLocks("postgres://amo1c@127.0.0.1:1/nowhere", 7)
    with pytest.raises(LockUnavailable):
        async with locks.hold(1):
            pass


async def test_a_refresh_without_its_lock_is_amocrm_unreachable_not_a_crash(settings: Settings) -> None:
    locks = AdvisoryLocks("postgres://amo1c:secret-pw@127.0.0.1:1/nowhere", 7)
    store = DatabaseTokenStore(SecretBox(settings.secret_key), locks)
    with pytest.raises(AmoCRMUnreachable) as caught:
        async with store.refresh_lock(31000001):
            pass
    assert "31000001" in str(caught.value) and "secret-pw" not in str(caught.value)


async def test_two_workers_refresh_an_expired_token_once(
    database: None, settings: Settings, fake_amocrm: FakeAmoCRM
) -> None:
    account = await install_account(fake_amocrm, settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake_amocrm)) as http:
        secrets = SecretBox(settings.secret_key)
        workers = [
            AmoCRMClients(
                http,
                settings,
                coordination(settings, secrets, budget=LocalRequestBudget(1000)),
                retry=RetryPolicy(attempts=1),
            )
            for _ in range(2)
        ]
        clients = [worker.for_account(account) for worker in workers]
        await asyncio.gather(*(client.account() for client in clients))  # both have loaded the pair
        fake_amocrm.expire_tokens(account.id)

        answers = await asyncio.gather(*(clients[n % 2].account() for n in range(12)))

    assert {info.id for info in answers} == {account.id}
    assert fake_amocrm.account(account.id).refresh_grants == 1
    stored = await Account.get(id=account.id)
    assert stored.token_expires_at is not None
