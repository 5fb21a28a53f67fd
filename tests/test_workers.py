"""Two real `amo1c serve` processes on one PostgreSQL database and the fake amoCRM (its 7 rps limit on).

Nothing about a call may depend on which worker takes it: one entity for many identical calls, one token refresh
for an expired token, one request budget per account, one use of a widget token. The account is installed through
the real /oauth/callback and the base linked through /sync/base before the tests run; everything goes over HTTP.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from backend.fakes.amocrm import FakeAmoCRM
from backend.liveserver import ThreadedServer
from backend.settings import Settings
from backend.sync.throttle import MAX_FAILURES
from backend.testing import postgres as pg
from backend.testing.workers import ServeWorkers
from tests.factories import ADMIN_AUTH, BASE_AUTH, BASE_LOGIN, base_body, basic, field_values, widget_jwt

pytestmark = pytest.mark.postgres

HOST = "127.0.0.1"
CLIENT_ID = "00000000-0000-4000-8000-0000000000a7"
CLIENT_SECRET = "workers-client-secret-0123456789abcdef"
PUBLIC_URL = "http://127.0.0.1:8000"  # the redirect URI both sides agree on; nothing needs to listen there
SECRET_KEY = "w" * 48


@dataclass
class Cluster:
    """The fake amoCRM, the workers' URLs and the installed account."""

    fake: FakeAmoCRM
    urls: list[str]
    account_id: int

    def spread(self) -> Iterator[str]:
        """The workers' URLs in turn, as a round-robin load balancer hands out calls."""
        return itertools.cycle(self.urls)

    async def sync(self, http: httpx.AsyncClient, url: str, path: str, body: dict[str, Any]) -> httpx.Response:
        """One call as 1C makes it, to the worker at `url`."""
        body = {"key": self.account_id, "id_base": "trade", **body}
        return await http.post(f"{url}{path}", json=body, headers=BASE_AUTH)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def cluster(postgres_server: pg.PostgresServer, postgres_template: str) -> Iterator[Cluster]:
    fake = FakeAmoCRM(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=f"{PUBLIC_URL}/oauth/callback", rps_limit=7
    )
    name = pg.unique_name("amo1c_workers")
    database_url = postgres_server.create_database(name, template=postgres_template)
    env = {
        "AMO1C_DATABASE_URL": database_url,
        "AMO1C_SECRET_KEY": SECRET_KEY,
        "AMO1C_PUBLIC_URL": PUBLIC_URL,
        "AMO1C_AMOCRM_CLIENT_ID": CLIENT_ID,
        "AMO1C_AMOCRM_CLIENT_SECRET": CLIENT_SECRET,
        "AMO1C_ONEC_ALLOW_PRIVATE": "true",
        "AMO1C_ADMIN_USER": "admin",
        "AMO1C_ADMIN_PASSWORD": "admin-password",
    }
    try:
        with ThreadedServer(fake, host=HOST, port=_free_port()) as amocrm:
            env["AMO1C_AMOCRM_BASE_URL"] = amocrm.url
            with ServeWorkers(2, env) as workers:
                urls = workers.urls
                account = fake.add_account(subdomain="shop", name="Магазин")
                query = {"code": fake.issue_code(account.id), "referer": "shop.amocrm.ru", "from_widget": "1"}
                installed = httpx.get(f"{urls[1]}/oauth/callback", params=query, timeout=30)
                assert installed.status_code == 200, installed.text
                body = base_body(account.id)
                linked = httpx.post(f"{urls[0]}/sync/base", json=body, headers=ADMIN_AUTH, timeout=30)
                assert linked.status_code == 200, linked.text
                yield Cluster(fake, urls, account.id)
    finally:
        postgres_server.drop_database(name)


async def test_forty_identical_calls_over_two_workers_make_one_contact(cluster: Cluster) -> None:
    body = {"id_1c": "same-1", "name": "Анна Смирнова", "phone": "+7 912 000-00-01"}
    workers = cluster.spread()
    async with httpx.AsyncClient(timeout=60) as http:
        responses = await asyncio.gather(
            *(cluster.sync(http, next(workers), "/sync/clients_contacts", body) for _ in range(40))
        )

    assert [r.status_code for r in responses] == [200] * 40, [r.text for r in responses if r.status_code != 200]
    assert len({r.json()["data"] for r in responses}) == 1
    contacts = cluster.fake.account(cluster.account_id).contacts.values()
    assert [c.name for c in contacts if c.name == "Анна Смирнова"] == ["Анна Смирнова"]


async def test_one_event_sent_to_both_workers_many_times_writes_one_note(cluster: Cluster) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        order = await cluster.sync(http, cluster.urls[0], "/sync/leads", {"id_1c": "order-7", "order_number": "7"})
        assert order.status_code == 200, order.text
        deal_id = order.json()["data"]
        event = {"event_name": "payment", "id": deal_id, "sum": "100", "document_name": "Оплата № 7"}
        workers = cluster.spread()
        responses = await asyncio.gather(
            *(cluster.sync(http, next(workers), "/sync/process_event", event) for _ in range(12))
        )

    assert [r.status_code for r in responses] == [200] * 12, [r.text for r in responses if r.status_code != 200]
    notes = cluster.fake.account(cluster.account_id).notes.values()
    assert len([note for note in notes if note.entity_type == "leads" and note.entity_id == deal_id]) == 1


async def test_an_expired_token_under_load_from_both_workers_is_refreshed_once(cluster: Cluster) -> None:
    account = cluster.fake.account(cluster.account_id)
    grants_before = account.refresh_grants
    assert cluster.fake.expire_tokens(cluster.account_id) >= 1
    workers = cluster.spread()
    async with httpx.AsyncClient(timeout=60) as http:
        responses = await asyncio.gather(
            *(
                cluster.sync(http, next(workers), "/sync/clients_contacts", {"id_1c": f"exp-{n}", "name": f"К {n}"})
                for n in range(16)
            )
        )

    assert [r.status_code for r in responses] == [200] * 16, [r.text for r in responses if r.status_code != 200]
    assert account.refresh_grants == grants_before + 1


async def test_a_widget_token_is_accepted_by_one_worker_only(cluster: Cluster) -> None:
    signer = Settings(
        mode="test", public_url=PUBLIC_URL, amocrm_client_id=CLIENT_ID, amocrm_client_secret=CLIENT_SECRET
    )
    token = widget_jwt(signer, cluster.account_id)
    async with httpx.AsyncClient(timeout=30) as http:
        answers = await asyncio.gather(
            *(http.post(f"{url}/ui/session", headers={"X-Auth-Token": token}) for url in cluster.urls * 3)
        )

    assert sorted(r.status_code for r in answers) == [200] + [401] * 5
    assert all("already used" in r.json()["error"] for r in answers if r.status_code == 401)


async def test_a_burst_from_both_workers_keeps_to_one_budget(cluster: Cluster) -> None:
    account = cluster.fake.account(cluster.account_id)
    refused_before, contacts_before = account.rate_limited, len(account.contacts)

    async def fifteen(url: str, worker: int) -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as http:
            return await asyncio.gather(
                *(
                    cluster.sync(http, url, "/sync/clients_contacts", {"id_1c": f"burst-{worker}-{n}", "name": "Б"})
                    for n in range(15)
                )
            )

    batches = await asyncio.gather(*(fifteen(url, worker) for worker, url in enumerate(cluster.urls)))

    statuses = [r.status_code for batch in batches for r in batch]
    assert statuses == [200] * 30
    assert len(account.contacts) == contacts_before + 30
    assert account.rate_limited == refused_before == 0, "the fake answered 429: the workers overran the budget"


async def test_failed_logins_are_counted_across_workers_per_client_the_proxy_names(cluster: Cluster) -> None:
    body = {"key": cluster.account_id, "id_base": "trade"}
    path = "/update_handlers/get_actual_version"
    guesser = {"X-Forwarded-For": "203.0.113.5"}  # the proxy on 127.0.0.1 is trusted: the client is this
    workers = cluster.spread()
    async with httpx.AsyncClient(timeout=30) as http:
        for n in range(MAX_FAILURES):  # half on each worker
            wrong = await http.post(
                f"{next(workers)}{path}", json=body, headers={**guesser, **basic(BASE_LOGIN, f"guess-{n}")}
            )
            assert wrong.status_code == 401
        for url in cluster.urls:
            throttled = await http.post(f"{url}{path}", json=body, headers={**guesser, **BASE_AUTH})
            assert throttled.status_code == 429 and throttled.headers["retry-after"].isdigit()
            own = await http.post(f"{url}{path}", json=body, headers={"X-Forwarded-For": "198.51.100.7", **BASE_AUTH})
            assert own.status_code == 200, "the base's own 1C, at another address, is not locked out"


async def test_a_correspondence_change_made_through_one_worker_is_used_by_the_other_at_once(cluster: Cluster) -> None:
    """Issue 14: each worker keeps a base's correspondence rows in memory; the version it reads with the base on every
    call makes a change through the other worker count from the next call on."""
    fields = cluster.fake.account(cluster.account_id).custom_fields["contacts"]
    field = next(field for field in fields if field.code == "POSITION")  # known to both workers' field caches
    save, sync = cluster.urls
    contact = {"id_1c": "mapped-1", "name": "Ольга", "Должность 1С": "Бухгалтер", "Роль 1С": "Главный бухгалтер"}
    async with httpx.AsyncClient(timeout=30) as http:
        for onec_field, expected in (("Должность 1С", "Бухгалтер"), ("Роль 1С", "Главный бухгалтер")):
            saved = await cluster.sync(http, save, "/sync/clients_contacts_save_fields", {f"p_{field.id}": onec_field})
            assert saved.status_code == 200, saved.text
            synced = await cluster.sync(http, sync, "/sync/clients_contacts", contact)
            assert synced.status_code == 200, synced.text
            account = cluster.fake.account(cluster.account_id)
            assert field_values(account, "contacts", synced.json()["data"])["POSITION"] == [expected]
