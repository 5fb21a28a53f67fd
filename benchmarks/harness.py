"""A throwaway amo1c in front of the fake amoCRM, driven in-process like the tests do."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from backend import db
from backend.amocrm import LocalRequestBudget, OAuthCredentials, exchange_code
from backend.app import create_app
from backend.crypto import SecretBox
from backend.fakes.amocrm import FakeAmoCRM
from backend.models import Account
from backend.settings import Settings
from backend.store import DatabaseTokenStore

LOGIN, PASSWORD = "bench", "bench-password"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()}
# The server operator (AMO1C_ADMIN_*): its /sync/base link is approved at once, as an integrator's would be.
OPERATOR = ("bench-operator", "bench-operator-password")
OPERATOR_AUTH = {"Authorization": "Basic " + base64.b64encode(":".join(OPERATOR).encode()).decode()}


@dataclass
class Bench:
    """amo1c, the fake amoCRM and the benchmark account."""

    client: httpx.AsyncClient
    fake: FakeAmoCRM
    account_id: int

    def api_calls(self) -> int:
        """amoCRM API requests the fake has seen (OAuth not counted)."""
        return sum(1 for record in self.fake.requests if record.path.startswith("/api/"))

    async def sync(self, path: str, body: dict[str, Any]) -> Any:
        """One sync call as 1C makes it; raises on anything but 200."""
        response = await self.client.post(path, json={"key": self.account_id, "id_base": "bench", **body}, headers=AUTH)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text}")
        return response.json()["data"]


async def install_bench_account(fake: FakeAmoCRM, settings: Settings, fake_account: Any) -> tuple[Account, str]:
    """The fake's account installed in amo1c with real tokens from the fake's OAuth; it and its access token."""
    credentials = OAuthCredentials(settings.amocrm_client_id or "", settings.amocrm_client_secret or "",
                                   settings.redirect_uri)  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake)) as http:
        pair = await exchange_code(http, "http://amocrm.bench", credentials, fake.issue_code(fake_account.id))
    account = await Account.create(id=fake_account.id, subdomain=fake_account.subdomain)
    await DatabaseTokenStore(SecretBox(settings.secret_key)).save(account.id, pair)
    return account, pair.access_token


@contextlib.asynccontextmanager
async def bench_world(*, fake_rps: int, budget_rps: float) -> AsyncIterator[Bench]:
    """A migrated temporary SQLite database, amo1c and the fake amoCRM with the given limits."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        await db.apply_migrations(url)
        settings = Settings(
            database_url=url,
            amocrm_client_id="bench-client",
            amocrm_client_secret="bench-secret",
            amocrm_base_url="http://amocrm.bench",
            onec_allow_private=True,
            admin_user=OPERATOR[0],
            admin_password=OPERATOR[1],
            mode="test",
        )
        fake = FakeAmoCRM(
            client_id="bench-client",
            client_secret="bench-secret",
            redirect_uri=settings.redirect_uri,
            rps_limit=fake_rps,
        )
        app = create_app(
            settings,
            amocrm_transport=httpx.ASGITransport(app=fake),
            amocrm_budget=LocalRequestBudget(budget_rps),
        )
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://amo1c.bench") as client,
        ):
            fake_account = fake.add_account(subdomain="bench", name="Bench")
            await install_bench_account(fake, settings, fake_account)
            bench = Bench(client, fake, fake_account.id)
            await client.post(
                "/sync/base",
                json={
                    "key": fake_account.id,
                    "id_base": "bench",
                    "web_address": "http://1c.bench/hs/x",
                    "url_address": "http://1c.bench",
                    "param1": LOGIN,
                    "param2": PASSWORD,
                },
                headers=OPERATOR_AUTH,
            )
            await asyncio.sleep(1.1)  # OAuth and linking are outside the measured window
            yield bench
