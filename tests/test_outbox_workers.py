"""A worker killed in the middle of a send into 1C: two real `amo1c serve` processes on one PostgreSQL database, the
fake amoCRM and a slow fake 1C as real servers. The press's intent is delivered by the other worker once its lease
runs out; 1C sees the same payload at most twice, and twice only because the kill fell inside the send."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from backend import db
from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.onec import FakeOneC
from backend.liveserver import ThreadedServer
from backend.models import Intent, IntentState
from backend.settings import Settings
from backend.testing import postgres as pg
from backend.testing.workers import ServeWorkers
from tests.factories import ADMIN_AUTH, BASE_AUTH, BASE_LOGIN, BASE_PASSWORD, base_body, widget_jwt

pytestmark = pytest.mark.postgres

HOST = "127.0.0.1"
CLIENT_ID = "00000000-0000-4000-8000-0000000000b1"
CLIENT_SECRET = "outbox-client-secret-0123456789abcdef"
PUBLIC_URL = "http://127.0.0.1:8000"
HANDLER = "/trade/hs/amo1c/handler"
ONEC_TIMEOUT = 2  # the lease is 2 × this + 30 s: the other worker takes the intent over after that


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Stack:
    workers: ServeWorkers
    amocrm: FakeAmoCRM
    onec: FakeOneC
    account_id: int
    database_url: str


@pytest.fixture
def stack(postgres_server: pg.PostgresServer, postgres_template: str) -> Iterator[Stack]:
    amocrm = FakeAmoCRM(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=f"{PUBLIC_URL}/oauth/callback", rps_limit=0
    )
    onec = FakeOneC(login=BASE_LOGIN, password=BASE_PASSWORD, path=HANDLER, url_address="http://1c.test/trade")
    name = pg.unique_name("amo1c_outbox")
    database_url = postgres_server.create_database(name, template=postgres_template)
    env = {
        "AMO1C_DATABASE_URL": database_url,
        "AMO1C_SECRET_KEY": "o" * 48,
        "AMO1C_PUBLIC_URL": PUBLIC_URL,
        "AMO1C_AMOCRM_CLIENT_ID": CLIENT_ID,
        "AMO1C_AMOCRM_CLIENT_SECRET": CLIENT_SECRET,
        "AMO1C_ONEC_ALLOW_PRIVATE": "true",
        "AMO1C_ONEC_TIMEOUT": str(ONEC_TIMEOUT),
        "AMO1C_ADMIN_USER": "admin",
        "AMO1C_ADMIN_PASSWORD": "admin-password",
    }
    try:
        with (
            ThreadedServer(amocrm, host=HOST, port=_free_port()) as amocrm_server,
            ThreadedServer(onec, host=HOST, port=_free_port()) as onec_server,
        ):
            env["AMO1C_AMOCRM_BASE_URL"] = amocrm_server.url
            with ServeWorkers(2, env) as workers:
                account = amocrm.add_account(subdomain="shop", name="Магазин")
                query = {"code": amocrm.issue_code(account.id), "referer": "shop.amocrm.ru", "from_widget": "1"}
                assert httpx.get(f"{workers.urls[1]}/oauth/callback", params=query, timeout=30).status_code == 200
                body = base_body(account.id, web_address=f"{onec_server.url}{HANDLER}")
                linked = httpx.post(f"{workers.urls[0]}/sync/base", json=body, headers=ADMIN_AUTH, timeout=30)
                assert linked.status_code == 200, linked.text
                yield Stack(workers, amocrm, onec, account.id, database_url)
    finally:
        postgres_server.drop_database(name)


async def intent_of(database_url: str, deal_id: int) -> Intent | None:
    async with db.isolated_database(database_url):
        return await Intent.filter(amo_id=deal_id).first()


async def test_a_worker_killed_mid_send_leaves_the_intent_to_the_other_worker(stack: Stack) -> None:
    first, second = stack.workers.urls
    async with httpx.AsyncClient(timeout=60) as http:
        order = {"key": stack.account_id, "id_base": "trade", "id_1c": "order-1", "order_number": "1", "budget": "100"}
        deal_id = (await http.post(f"{first}/sync/leads", json=order, headers=BASE_AUTH)).json()["data"]
        signer = Settings(
            mode="test", public_url=PUBLIC_URL, amocrm_client_id=CLIENT_ID, amocrm_client_secret=CLIENT_SECRET
        )
        session = await http.post(
            f"{first}/ui/session", headers={"X-Auth-Token": widget_jwt(signer, stack.account_id, is_admin=False)}
        )
        headers = {"X-UI-Token": session.json()["token"], "HX-Request": "true"}
        stack.onec.latency = ONEC_TIMEOUT * 0.8  # the send is under way when the worker dies
        press = asyncio.create_task(
            http.post(f"{first}/ui/cards/leads/{deal_id}/order", data={"base": "trade"}, headers=headers)
        )
        deadline = time.monotonic() + 20
        sending = False
        while not sending and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            intent = await intent_of(stack.database_url, deal_id)
            sending = intent is not None and intent.state == IntentState.SENDING
        assert sending, "the first worker took the intent"
        os.kill(stack.workers.pids[0], signal.SIGKILL)
        with pytest.raises(httpx.HTTPError):
            await press
        stack.onec.latency = 0
        deadline = time.monotonic() + ONEC_TIMEOUT * 2 + 30 + 30
        while time.monotonic() < deadline:
            intent = await intent_of(stack.database_url, deal_id)
            if intent is not None and intent.state == IntentState.DELIVERED:
                break
            await asyncio.sleep(0.5)
        assert intent is not None and intent.state == IntentState.DELIVERED, (intent and intent.state, second)
    sent = [record.body for record in stack.onec.requests_of("new_order") if record.body.get("id") == deal_id]
    assert 1 <= len(sent) <= 2, "one send, and at most one more of the same payload in the crash window"
    assert all(body == sent[0] for body in sent)
