"""Issue 5: what the deal panel adds over 1C's own answer time, for a deal with 200 documents."""

from __future__ import annotations

import asyncio
import base64
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from backend import db
from backend.app import create_app
from backend.fakes.onec import FakeOneC
from backend.models import Account, OneCBase
from backend.settings import Settings
from backend.ui.tokens import UISession, UITokens

RUNS = 60
DOCUMENTS = 200
DEAL = 777
LOGIN, PASSWORD, PATH = "bench", "bench-password", "/bench/hs/amo1c/handler"


async def measure() -> tuple[float, float]:
    """(median ms of 1C's own get_orders answer, median ms of the panel's documents fragment through amo1c)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        await db.apply_migrations(url)
        settings = Settings(database_url=url, onec_allow_private=True, mode="test")
        fake = FakeOneC(login=LOGIN, password=PASSWORD, path=PATH, url_address="http://1c.bench/bench")
        fake.generate_documents(DEAL, DOCUMENTS)
        app = create_app(settings, onec_transport=httpx.ASGITransport(app=fake))
        auth = {"Authorization": "Basic " + base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()}
        body = {"key": 1, "id_base": "bench", "type": "get_orders", "id": DEAL}
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://amo1c") as amo1c,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="http://1c.bench") as onec,
        ):
            services = app.state.domain
            account = await Account.create(id=1, subdomain="bench")
            await OneCBase.create(
                account=account,
                id_base="bench",
                web_address=f"http://1c.bench{PATH}",
                url_address="http://1c.bench/bench",
                param1=LOGIN,
                param2_enc=services.secrets.encrypt(PASSWORD),
            )
            token = UITokens(settings.secret_key).issue(UISession(1, 1, False))
            headers = {"X-UI-Token": token, "HX-Request": "true"}
            direct, panel = [], []
            for _ in range(RUNS):
                started = time.perf_counter()
                assert (await onec.post(PATH, json=body, headers=auth)).status_code == 200
                direct.append(time.perf_counter() - started)
                started = time.perf_counter()
                answer = await amo1c.get(f"/ui/cards/leads/{DEAL}/documents?base=bench", headers=headers)
                panel.append(time.perf_counter() - started)
                assert answer.status_code == 200 and answer.text.count('amo1c-doc"') == DOCUMENTS
        return statistics.median(direct) * 1000, statistics.median(panel) * 1000


def run() -> None:
    """Print the table."""
    direct, panel = asyncio.run(measure())
    print(f"\n## Deal panel — {DOCUMENTS} documents, median of {RUNS} (target: under 20 ms added)\n")
    print("| fake 1C answer alone | documents fragment through amo1c | added by amo1c |")
    print("|----------------------|----------------------------------|----------------|")
    print(f"| {direct:>17.1f} ms | {panel:>29.1f} ms | {panel - direct:>11.1f} ms |")
