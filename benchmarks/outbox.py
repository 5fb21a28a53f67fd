"""Issue 13: how long a deal's order takes from the webhook reaching amo1c to 1C's answer, with a healthy fake 1C.

amo1c runs in-process on SQLite with its background task, as `amo1c serve` runs it; the fake amoCRM delivers its
hooks to amo1c through an ASGI transport and the fake 1C answers through another. Each deal is moved onto the
trigger stage alone, at a random moment, so every measurement is one hook → read back → queue → send → 1C's
answer, wherever the background task's round happens to be. The floor is the
work no design can skip, measured in the same run: reading the deal from the fake amoCRM and 1C's own answer to
its new_order.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from backend import db
from backend.amocrm import LeadDraft, LocalRequestBudget
from backend.app import create_app
from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.onec import FakeOneC
from backend.models import OneCBase, Trigger, TriggerKind
from backend.settings import Settings
from backend.sync.subscriptions import subscribe
from benchmarks.harness import install_bench_account

DEALS = 60
LOGIN, PASSWORD, HANDLER = "bench", "bench-password", "/bench/hs/amo1c/handler"
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


class Stopwatch:
    """An ASGI wrapper noting when each request to a path starting with `prefix` arrived or was answered."""

    def __init__(self, app: ASGIApp, prefix: str, *, on_answer: bool) -> None:
        self.app = app
        self.prefix = prefix
        self.on_answer = on_answer
        self.moments: list[float] = []
        self._noted = asyncio.Event()

    async def moment(self, index: int) -> float:
        """The `index`-th moment noted, waiting for it."""
        while len(self.moments) <= index:
            self._noted.clear()
            await self._noted.wait()
        return self.moments[index]

    def _note(self) -> None:
        self.moments.append(time.perf_counter())
        self._noted.set()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        watched = scope["type"] == "http" and scope["path"].startswith(self.prefix)
        if watched and not self.on_answer:
            self._note()
        await self.app(scope, receive, send)
        if watched and self.on_answer:
            self._note()


async def measure() -> tuple[list[float], list[float]]:
    """(ms from each hook's arrival to 1C's answer to its order, ms of the floor for each deal)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        await db.apply_migrations(url)
        settings = Settings(
            database_url=url, amocrm_client_id="bench-client", amocrm_client_secret="bench-secret",
            amocrm_base_url="http://amocrm.bench", onec_allow_private=True, mode="test",
        )  # fmt: skip
        fake = FakeAmoCRM(
            client_id="bench-client", client_secret="bench-secret", redirect_uri=settings.redirect_uri, rps_limit=0
        )
        onec = FakeOneC(login=LOGIN, password=PASSWORD, path=HANDLER, url_address="http://1c.bench/bench")
        answered = Stopwatch(onec, HANDLER, on_answer=True)
        app = create_app(
            settings,
            amocrm_transport=httpx.ASGITransport(app=fake),
            onec_transport=httpx.ASGITransport(app=answered),
            amocrm_budget=LocalRequestBudget(1000),
        )
        received = Stopwatch(app, "/amocrm/webhooks/", on_answer=False)
        fake.webhook_transport = httpx.ASGITransport(app=received)
        async with app.router.lifespan_context(app):
            account_id, token, stage, deals = await _world(app.state.domain, fake, settings)
            latencies = []
            pauses = random.Random(13)
            for deal in deals:
                # hooks come at any moment: some while the background task waits between idle rounds (up to 1 s)
                await asyncio.sleep(pauses.uniform(0.1, 1.6))
                hooks, answers = len(received.moments), len(answered.moments)
                fake.move_lead(account_id, deal, stage)
                latencies.append((await answered.moment(answers) - await received.moment(hooks)) * 1000)
                await fake.deliveries_done()
            floor = [await _floor(fake, onec, account_id, token, deal) for deal in deals]
    return latencies, floor


async def _world(domain: Any, fake: FakeAmoCRM, settings: Settings) -> tuple[int, str, int, list[int]]:
    """The account installed with its webhooks subscribed (its id and access token), base "bench" with a stage
    trigger (the stage), and DEALS deals."""
    fake_account = fake.add_account(subdomain="bench", name="Bench")
    account, token = await install_bench_account(fake, settings, fake_account)
    base = await OneCBase.create(
        account=account, id_base="bench", web_address=f"http://1c.bench{HANDLER}", url_address="http://1c.bench",
        param1=LOGIN, param2_enc=domain.secrets.encrypt(PASSWORD),
    )  # fmt: skip
    main = next(pipeline for pipeline in fake_account.pipelines.values() if pipeline.is_main)
    stage = main.statuses[2].id
    await Trigger.create(base=base, kind=TriggerKind.STAGE, pipeline_id=main.id, status_id=stage)
    amo = domain.amocrm.for_account(account)
    await subscribe(amo, settings.public_url)
    deals = []
    for n in range(DEALS):
        deals.append(await amo.create_lead(LeadDraft(name=f"Сделка {n}", price=1000 + n)))
    await fake.deliveries_done()
    await asyncio.sleep(1.5)  # the background task has read the creations' hints back: nothing else in flight
    return account.id, token, stage, deals


async def _floor(fake: FakeAmoCRM, onec: FakeOneC, account_id: int, token: str, deal: int) -> float:
    """ms to read the deal from the fake amoCRM and have the fake 1C answer a new_order for it, directly."""
    body = {"key": account_id, "id_base": "bench", "type": "new_order", "id": deal, "name": "Сделка",
            "responsible_user_id": 1}  # fmt: skip
    auth = httpx.BasicAuth(LOGIN, PASSWORD)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="http://amocrm.bench") as amocrm,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=onec), base_url="http://1c.bench") as one_c,
    ):
        started = time.perf_counter()
        (await amocrm.get(f"/api/v4/leads/{deal}", headers={"Authorization": f"Bearer {token}"})).raise_for_status()
        (await one_c.post(HANDLER, json=body, auth=auth)).raise_for_status()
        return (time.perf_counter() - started) * 1000


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def run() -> None:
    """Print the table."""
    latencies, floor = asyncio.run(measure())
    median, p95 = statistics.median(latencies), _p95(latencies)
    floor_median, floor_p95 = statistics.median(floor), _p95(floor)
    print(f"\n## Outbox — a deal entering the trigger stage, webhook received → 1C answered ({DEALS} deals, SQLite)\n")
    print("| | median | p95 |")
    print("|---|---|---|")
    print(f"| amo1c (hook recorded, read back by the background task, queued, sent) | {median:.0f} ms | {p95:.0f} ms |")
    print(f"| floor: read the deal from amoCRM + 1C's answer, directly | {floor_median:.1f} ms | {floor_p95:.1f} ms |")
    print(f"| ratio | {median / floor_median:.0f}× | {p95 / floor_p95:.0f}× |")
