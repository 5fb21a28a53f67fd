"""Issue 3: amoCRM calls per synced entity, and entities per second at amoCRM's 7 rps limit."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from benchmarks.harness import Bench, bench_world

CONCURRENCY = 4


async def calls_of(bench: Bench, path: str, body: dict[str, Any]) -> int:
    before = bench.api_calls()
    await bench.sync(path, body)
    return bench.api_calls() - before


async def calls_per_entity() -> list[tuple[str, int, int, int, str]]:
    """(entity, new, unchanged re-sync, changed known, note) measured on an unlimited fake."""
    rows = []
    async with bench_world(fake_rps=0, budget_rps=1000) as bench:
        # warm the per-account custom field cache (one call per entity kind per 10 minutes) and make the «ID 1С»
        # field each kind keeps 1C's id in (one call per entity kind, once per account)
        await bench.sync("/sync/clients_contacts", {"id_1c": "warm", "name": "warm"})
        await bench.sync("/sync/clients_companies", {"id_1c": "warm", "name": "warm", "inn": "7700000000"})
        await bench.sync("/sync/leads", {"id_1c": "warm", "order_number": "0"})
        cases = [
            ("contact (phone)", "/sync/clients_contacts", {"id_1c": "c1", "name": "Иван", "phone": "+79990000001"},
             {"name": "Иван Петров"}, ""),
            ("contact (phone + email)", "/sync/clients_contacts",
             {"id_1c": "c2", "name": "Ольга", "phone": "+79990000002", "email": "o@x.ru"}, {"name": "Ольга П."},
             "new: phone search, email search, create"),
            ("contact (1C id only)", "/sync/clients_contacts", {"id_1c": "c3", "name": "Пётр"}, {"name": "Пётр И."},
             ""),
            ("company (INN)", "/sync/clients_companies", {"id_1c": "o1", "name": "ООО А", "inn": "7701000001"},
             {"name": "ООО А+"}, ""),
            ("deal", "/sync/leads", {"id_1c": "d1", "order_number": "1", "budget": "100"}, {"budget": "200"}, ""),
        ]  # fmt: skip
        for label, path, body, change, note in cases:
            new = await calls_of(bench, path, body)
            same = await calls_of(bench, path, body)
            changed = await calls_of(bench, path, {**body, **change})
            rows.append((label, new, same, changed, note))
    return rows


async def throughput(count: int, body_of: Any, fake_rps: int = 7, budget_rps: float = 6.0) -> tuple[float, int, int]:
    """(entities per second, 429s seen, amoCRM calls) syncing `count` new entities with CONCURRENCY callers."""
    async with bench_world(fake_rps=fake_rps, budget_rps=budget_rps) as bench:
        queue = list(range(count))
        calls_before = bench.api_calls()

        async def worker() -> None:
            while queue:
                n = queue.pop()
                await bench.sync("/sync/clients_contacts", body_of(n))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
        refused = bench.fake.account(bench.account_id).rate_limited
        return count / elapsed, refused, bench.api_calls() - calls_before


def run() -> None:
    """Print both tables."""
    print("\n## Sync API — amoCRM calls per synced entity (targets: unchanged 0, changed 1, new ≤ 2)\n")
    print(f"| {'entity':<24} | new | unchanged | changed | note")
    print(f"|{'-' * 26}|-----|-----------|---------|-----")
    for label, new, same, changed, note in asyncio.run(calls_per_entity()):
        print(f"| {label:<24} | {new:>3} | {same:>9} | {changed:>7} | {note}")

    print("\n## Sync API — throughput at the fake's 7 rps limit, budget 6 rps (target ≥ 90 % of the budget)\n")
    print("| workload                         | entities/s | calls/entity | % of budget | 429s |")
    print("|----------------------------------|------------|--------------|-------------|------|")
    workloads = [
        ("new contacts, 1C id only (60)", 60, lambda n: {"id_1c": f"t{n}", "name": f"Контакт {n}"}),
        ("new contacts with phone (40)", 40, lambda n: {"id_1c": f"p{n}", "name": f"К {n}", "phone": f"+7999{n:07d}"}),
    ]
    for label, count, body_of in workloads:
        rate, refused, calls = asyncio.run(throughput(count, body_of))
        per_entity = calls / count
        allowed = 6.0 / per_entity
        print(f"| {label:<32} | {rate:>10.2f} | {per_entity:>12.1f} | {100 * rate / allowed:>10.1f}% | {refused:>4} |")
