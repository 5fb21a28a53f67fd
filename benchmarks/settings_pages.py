"""Issue 6: server time of the settings pages on SQLite — the field correspondence page of an account with 300
amoCRM fields, and the sync log page over 100,000 entries (unfiltered, filtered, and deep in the pages).
Issue 10: the correspondence page of a base whose table was filled with 40,000 rows before the row limit.
Issue 15: the overview, which counts the last seven days of that log per hour in the database."""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from backend import db
from backend.amocrm import LocalRequestBudget
from backend.app import create_app
from backend.crypto import SecretBox
from backend.fakes.amocrm import FakeAmoCRM
from backend.models import Direction, FieldMapping, MappingKind, OneCBase, Outcome, SyncLogEntry
from backend.settings import Settings
from backend.ui.tokens import UISession, UITokens
from benchmarks.harness import install_bench_account

RUNS = 50
FIELDS = 300
MAPPED_ROWS = 40
FLOODED_ROWS = 40_000
LOG_ENTRIES = 100_000
TARGETS_MS = {
    "mapping": 50.0,
    "log": 30.0,
    "flooded mapping": 100.0,
    "overview": 100.0,
}  # flooded: 500 rows drawn, 7 s before
OPERATIONS = {
    Direction.TO_1C: ("get_orders", "new_order", "new_lead", "get_handlers_version", "corr_table"),
    Direction.FROM_1C: ("clients_contacts", "clients_companies", "leads", "process_event", "leads_save_fields"),
}


async def median_ms(get: Callable[[], Awaitable[httpx.Response]]) -> float:
    """The median time of RUNS requests (after one warm-up), in milliseconds; every answer must be 200."""
    assert (await get()).status_code == 200
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = await get()
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text[:300]
    return statistics.median(times) * 1000


async def fill_log(account_id: int) -> int:
    """LOG_ENTRIES entries over the last 30 days, 3% failed; returns an amoCRM id that occurs in a few of them."""
    rng = random.Random(6)
    start = datetime.now(UTC) - timedelta(days=30)
    step = timedelta(days=30) / LOG_ENTRIES
    batch: list[SyncLogEntry] = []
    for index in range(LOG_ENTRIES):
        direction = Direction.TO_1C if rng.random() < 0.4 else Direction.FROM_1C
        failed = rng.random() < 0.03
        amo_id = 1_000_000 + rng.randrange(20_000)
        batch.append(
            SyncLogEntry(
                created_at=start + step * index,
                account_id=account_id,
                id_base="bench" if rng.random() < 0.8 else "retail",
                direction=direction,
                operation=rng.choice(OPERATIONS[direction]),
                amo_id=amo_id,
                id_1c=f"b3f1c2d4-{index:04x}-11ef-a1b2-001dd8b71c01",
                outcome=Outcome.ERROR if failed else Outcome.OK,
                http_status=502 if failed else 200,
                error="1С (1c.bench) ответила ошибкой 500: Ошибка при вызове метода контекста" if failed else None,
                duration_ms=rng.randrange(5, 900),
                request_summary={"key": account_id, "id_base": "bench", "id": amo_id, "name": "Заказ клиента"},
            )
        )
        if len(batch) == 5000:
            await SyncLogEntry.bulk_create(batch)
            batch = []
    return 1_000_000 + 4242


async def measure() -> list[tuple[str, str, float, float | None]]:
    """(page, what, median ms, target ms or None) for each measured request."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        await db.apply_migrations(url)
        settings = Settings(
            database_url=url,
            amocrm_client_id="bench-client",
            amocrm_client_secret="bench-secret",
            amocrm_base_url="http://amocrm.bench",
            onec_allow_private=True,
            mode="test",
        )
        fake = FakeAmoCRM(
            client_id="bench-client", client_secret="bench-secret", redirect_uri=settings.redirect_uri, rps_limit=0
        )
        fake_account = fake.add_account(subdomain="bench", name="Bench")
        fake.add_custom_fields(
            fake_account.id, "contacts", [{"name": f"Поле {n:03d}", "type": "text"} for n in range(FIELDS - 3)]
        )
        app = create_app(
            settings,
            amocrm_transport=httpx.ASGITransport(app=fake),
            amocrm_budget=LocalRequestBudget(50),
        )
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://amo1c.bench") as client,
        ):
            account, _ = await install_bench_account(fake, settings, fake_account)
            base = await OneCBase.create(
                account=account, id_base="bench", web_address="http://1c.bench/hs/x", url_address="http://1c.bench",
                param1="bench", param2_enc=SecretBox(settings.secret_key).encrypt("bench-password"),
            )  # fmt: skip
            fields = fake_account.custom_fields["contacts"]
            await FieldMapping.bulk_create(
                [
                    FieldMapping(base=base, kind=MappingKind.CONTACT, amo_field_id=field.id,
                                 amo_field_name=field.name, onec_field=f"Реквизит{n}")
                    for n, field in enumerate(fields[:MAPPED_ROWS])
                ]
            )  # fmt: skip
            flooded = await OneCBase.create(
                account=account, id_base="flooded", web_address="http://1c.bench/hs/y",
                url_address="http://1c.bench", param1="bench", param2_enc=base.param2_enc,
            )  # fmt: skip
            await FieldMapping.bulk_create(
                [
                    FieldMapping(base=flooded, kind=MappingKind.CONTACT, amo_field_id=10_000_000 + n,
                                 onec_field=f"Реквизит{n}")
                    for n in range(FLOODED_ROWS)
                ],
                batch_size=5000,
            )  # fmt: skip
            amo_id = await fill_log(account.id)
            token = UITokens(settings.secret_key).issue(UISession(account.id, 1, is_admin=True))
            htmx = {"X-UI-Token": token, "HX-Request": "true"}
            oldest_page = await SyncLogEntry.filter(account_id=account.id).order_by("id").offset(60).first()
            assert oldest_page is not None

            def page(path: str, **params: str) -> Callable[[], Awaitable[httpx.Response]]:
                return lambda: client.get(path, params={"token": token, **params})

            def part(path: str, **params: str) -> Callable[[], Awaitable[httpx.Response]]:
                return lambda: client.get(path, params=params, headers=htmx)

            target_mapping, target_log = TARGETS_MS["mapping"], TARGETS_MS["log"]
            return [
                ("correspondence", f"whole page, {FIELDS} fields, {MAPPED_ROWS} rows",
                 await median_ms(page("/ui/settings/mapping")), target_mapping),
                ("correspondence", "htmx section",
                 await median_ms(part("/ui/settings/mapping")), None),
                ("correspondence", f"whole page, {FLOODED_ROWS:,} rows stored (shows the limit)",
                 await median_ms(page("/ui/settings/mapping", base=str(flooded.id))), TARGETS_MS["flooded mapping"]),
                ("sync log", f"whole page, {LOG_ENTRIES:,} entries",
                 await median_ms(page("/ui/settings/log")), target_log),
                ("sync log", "errors only", await median_ms(part("/ui/settings/log/entries", outcome="error")), None),
                ("sync log", "one amoCRM id", await median_ms(part("/ui/settings/log/entries", q=str(amo_id))), None),
                ("sync log", "base + direction + operation",
                 await median_ms(part("/ui/settings/log/entries", base="retail", direction="to_1c",
                                      operation="corr_table")), None),
                ("sync log", "next page near the oldest",
                 await median_ms(part("/ui/settings/log/entries", before=str(oldest_page.id))), None),
                ("overview", f"whole page, {LOG_ENTRIES:,} entries over 30 days (7 days charted)",
                 await median_ms(page("/ui/settings")), TARGETS_MS["overview"]),
            ]  # fmt: skip


def run() -> None:
    """Print the table."""
    rows = asyncio.run(measure())
    print(f"\n## Settings pages — server time, median of {RUNS} (SQLite, in-process ASGI)\n")
    print("| page | request | median | target |")
    print("|------|---------|--------|--------|")
    for page, what, median, target in rows:
        verdict = "—" if target is None else f"< {target:.0f} ms {'ok' if median < target else 'MISSED'}"
        print(f"| {page} | {what} | {median:.1f} ms | {verdict} |")
