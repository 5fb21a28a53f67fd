"""Issue 13 on PostgreSQL with real `amo1c serve` workers: how fast 1 and 2 workers drain a queue of intents (1C was
down for the night, now it answers), and how fast the webhook endpoint answers under 200 hooks a second.

Everything is a real process, as in benchmarks/workers.py: PostgreSQL 15, the fake amoCRM, the fake 1C and the
workers. The workers' AMO1C_PUBLIC_URL names a port where nothing listens, so the fake amoCRM's own hooks go nowhere;
the hooks of the endpoint benchmark come from here, as amoCRM's would, with the account's secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise.backends.base.executor import EXECUTOR_CACHE

from backend import db
from backend.models import (
    EntityKind,
    Intent,
    IntentAttempt,
    IntentKind,
    IntentState,
    OneCBase,
    Subscription,
    Trigger,
    TriggerKind,
)
from backend.testing import postgres as pg
from backend.testing.workers import ServeWorkers
from benchmarks.harness import AUTH, LOGIN, OPERATOR, OPERATOR_AUTH, PASSWORD
from benchmarks.workers import (
    CLIENT_ID,
    CLIENT_SECRET,
    cpu_seconds,
    fake_amocrm,
    free_port,
    machine_cpu,
    serving,
)

HANDLER = "/bench/hs/amo1c/handler"
ACCOUNTS, DEALS_PER_ACCOUNT = 4, 100
WORKER_COUNTS = (1, 2)
HOOK_RATE, HOOK_SECONDS = 200, 10


@dataclass(frozen=True)
class Drained:
    """One drain of the queue: intents delivered per second, and the workers' CPU per intent."""

    rate: float
    worker_cpu_ms: float
    machine_busy: float  # share of all CPUs busy while the queue drained (every process on the machine)
    undelivered: int


@dataclass(frozen=True)
class Answers:
    """Answer times in ms of the webhook endpoint and of /healthz (the floor) at the same rate, and the worker's
    CPU ms per request during each."""

    hooks: list[float]
    floor: list[float]
    hook_cpu_ms: float
    floor_cpu_ms: float


@contextlib.contextmanager
def fake_onec() -> Iterator[str]:
    """The fake 1C as a process of its own; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "backend.fakes.onec", "--port", str(port), "--login", LOGIN,
               "--password", PASSWORD, "--path", HANDLER]  # fmt: skip
    with serving(command, f"http://127.0.0.1:{port}", "/_fake/state") as url:
        yield url


def environment(database_url: str, public_url: str, fake_url: str, rps: float) -> dict[str, str]:
    """The workers' AMO1C_* variables."""
    return {
        "AMO1C_DATABASE_URL": database_url, "AMO1C_SECRET_KEY": "b" * 48, "AMO1C_PUBLIC_URL": public_url,
        "AMO1C_AMOCRM_BASE_URL": fake_url, "AMO1C_AMOCRM_CLIENT_ID": CLIENT_ID,
        "AMO1C_AMOCRM_CLIENT_SECRET": CLIENT_SECRET, "AMO1C_AMOCRM_RPS": str(rps), "AMO1C_ONEC_ALLOW_PRIVATE": "true",
        "AMO1C_ADMIN_USER": OPERATOR[0], "AMO1C_ADMIN_PASSWORD": OPERATOR[1],
    }  # fmt: skip


async def install(
    http: httpx.AsyncClient, fake_url: str, worker_url: str, onec_url: str, deals: int
) -> tuple[int, list[int]]:
    """A new account of the fake installed through amo1c's /oauth/callback, base "bench" on the fake 1C, and
    `deals` deals synced by 1C; the account's id and the deals'."""
    created = (await http.post(f"{fake_url}/_fake/accounts", json={})).json()
    query = {"code": created["code"], "referer": f"{created['subdomain']}.amocrm.ru", "from_widget": "1"}
    (await http.get(f"{worker_url}/oauth/callback", params=query)).raise_for_status()
    key = created["account_id"]
    base = {"key": key, "id_base": "bench", "web_address": f"{onec_url}{HANDLER}", "url_address": onec_url,
            "param1": LOGIN, "param2": PASSWORD}  # fmt: skip
    (await http.post(f"{worker_url}/sync/base", json=base, headers=OPERATOR_AUTH)).raise_for_status()
    ids = []
    for n in range(deals):
        body = {"key": key, "id_base": "bench", "id_1c": f"{key}-{n}", "order_number": str(n), "budget": "100"}
        answer = await http.post(f"{worker_url}/sync/leads", json=body, headers=AUTH)
        answer.raise_for_status()
        ids.append(int(answer.json()["data"]))
    return key, ids


def in_database(database_url: str, work: Callable[[], Awaitable[Any]]) -> Any:
    """Run `work` with the workers' database open here (in a thread: the workers own nothing of this process)."""

    async def isolated() -> Any:
        EXECUTOR_CACHE.clear()  # an earlier benchmark in this process cached its INSERTs for SQLite's placeholders
        async with db.isolated_database(database_url):
            return await work()

    return pg.run_in_thread(isolated)


@dataclass(frozen=True)
class Services:
    """What every measurement runs against: the PostgreSQL server and template, the fakes, the workers' public URL."""

    server: pg.PostgresServer
    template: str
    fake_url: str
    onec_url: str
    public_url: str  # where nothing listens: the fake amoCRM's own hooks go nowhere


def drain(services: Services, workers: int) -> Drained:
    """Queue ACCOUNTS × DEALS_PER_ACCOUNT order intents due together and let `workers` processes send them."""
    server, fake_url, onec_url, public_url = services.server, services.fake_url, services.onec_url, services.public_url
    name = pg.unique_name("amo1c_outbox_bench")
    database_url = server.create_database(name, template=services.template)
    try:
        httpx.put(f"{fake_url}/_fake/rps_limit", json={"rps_limit": 0}).raise_for_status()
        httpx.post(f"{onec_url}/_fake/reset").raise_for_status()
        with ServeWorkers(workers, environment(database_url, public_url, fake_url, 50)) as served:

            async def deals() -> list[tuple[int, list[int]]]:
                async with httpx.AsyncClient(timeout=120) as http:
                    return [
                        await install(http, fake_url, served.urls[n % workers], onec_url, DEALS_PER_ACCOUNT)
                        for n in range(ACCOUNTS)
                    ]

            made = asyncio.run(deals())
            due = datetime.now(UTC) + timedelta(seconds=2)
            in_database(database_url, lambda: _queue(made, due))
            time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
            cpu_before, machine_before = cpu_seconds(served.pids), machine_cpu()
            deadline = time.monotonic() + 600
            while in_database(database_url, _waiting) and time.monotonic() < deadline:
                time.sleep(0.5)
            cpu = cpu_seconds(served.pids) - cpu_before
            busy, total = (after - before for after, before in zip(machine_cpu(), machine_before, strict=True))
            first, last, undelivered = in_database(database_url, _window)
    finally:
        server.drop_database(name)
    count = ACCOUNTS * DEALS_PER_ACCOUNT
    return Drained(count / (last - first).total_seconds(), 1000 * cpu / count, busy / max(total, 1), undelivered)


async def _queue(made: list[tuple[int, list[int]]], due: datetime) -> None:
    bases = {int(base.account_id): base for base in await OneCBase.all()}
    await Intent.bulk_create(
        [
            Intent(base_id=bases[account_id].id, account_id=account_id, kind=IntentKind.NEW_ORDER,
                   entity_kind=EntityKind.LEAD, amo_id=deal, next_attempt_at=due, cause="bench")
            for account_id, deals in made
            for deal in deals
        ]
    )  # fmt: skip


async def _waiting() -> bool:
    return await Intent.filter(state__in=(IntentState.PENDING, IntentState.SENDING)).exists()


async def _window() -> tuple[datetime, datetime, int]:
    attempts = await IntentAttempt.all().values_list("started_at", "duration_ms")
    first = min(started for started, _ in attempts)
    last = max(started + timedelta(milliseconds=ms) for started, ms in attempts)
    return first, last, await Intent.exclude(state=IntentState.DELIVERED).count()


def answers(services: Services) -> Answers:
    """One worker with the default amoCRM budget: /healthz, then the webhook endpoint, at HOOK_RATE a second."""
    server, fake_url, onec_url, public_url = services.server, services.fake_url, services.onec_url, services.public_url
    name = pg.unique_name("amo1c_hooks_bench")
    database_url = server.create_database(name, template=services.template)
    try:
        httpx.put(f"{fake_url}/_fake/rps_limit", json={"rps_limit": 7}).raise_for_status()
        with ServeWorkers(1, environment(database_url, public_url, fake_url, 6)) as served:
            url = served.urls[0]

            async def deals() -> list[int]:
                async with httpx.AsyncClient(timeout=120) as http:
                    return (await install(http, fake_url, url, onec_url, 20))[1]

            made = asyncio.run(deals())
            secret, account_id = in_database(database_url, _trigger_and_secret)
            hook = f"{url}/amocrm/webhooks/{secret}"

            def form(n: int) -> dict[str, str]:
                return {"leads[status][0][id]": str(made[n % len(made)]), "leads[status][0][status_id]": "142",
                        "leads[status][0][pipeline_id]": "1", "account[id]": str(account_id)}  # fmt: skip

            asyncio.run(_load(f"{url}/healthz", None, HOOK_RATE, 1))  # warm both paths up
            asyncio.run(_load(hook, form, HOOK_RATE, 1))
            requests = HOOK_RATE * HOOK_SECONDS
            before = cpu_seconds(served.pids)
            floor = asyncio.run(_load(f"{url}/healthz", None, HOOK_RATE, HOOK_SECONDS))
            between = cpu_seconds(served.pids)
            hooks = asyncio.run(_load(hook, form, HOOK_RATE, HOOK_SECONDS))
            after = cpu_seconds(served.pids)
    finally:
        server.drop_database(name)
    return Answers(hooks, floor, 1000 * (after - between) / requests, 1000 * (between - before) / requests)


async def _trigger_and_secret() -> tuple[str, int]:
    """A stage trigger (so every hint is read back from amoCRM, as in production) and the account's secret."""
    base = await OneCBase.get(id_base="bench")
    await Trigger.create(base=base, kind=TriggerKind.STAGE, pipeline_id=1, status_id=2)
    return (await Subscription.get(account_id=base.account_id)).secret, int(base.account_id)


async def _load(url: str, form: Callable[[int], dict[str, str]] | None, rate: int, seconds: int) -> list[float]:
    """Send `rate` requests a second for `seconds` on a fixed schedule (not waiting for answers); each one's ms."""
    times: list[float] = []
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def one(n: int) -> None:
            started = time.perf_counter()
            answer = await (http.get(url) if form is None else http.post(url, data=form(n)))
            times.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()

        start = time.perf_counter()
        tasks = []
        for n in range(rate * seconds):
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    return times


def _bound(sock: socket.socket) -> str:
    """The URL of a port `sock` holds without listening (bound on first use): connections to it are refused."""
    if sock.getsockname()[1] == 0:
        sock.bind(("127.0.0.1", 0))
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run() -> None:
    """Print both tables (about two minutes)."""
    with (
        socket.socket() as nowhere,  # bound, never listening: no worker started later can take its port
        pg.postgres_server(os.environ.get(pg.TEST_PG_VARIABLE)) as server,
        fake_amocrm(_bound(nowhere)) as fake_url,
        fake_onec() as onec_url,
    ):
        template = pg.unique_name("amo1c_outbox_template")
        template_url = server.create_database(template)
        try:
            pg.run_in_thread(lambda: db.apply_migrations(template_url))
            services = Services(server, template, fake_url, onec_url, _bound(nowhere))
            drained = [drain(services, n) for n in WORKER_COUNTS]
            measured = answers(services)
        finally:
            server.drop_database(template)
    _print_drained(drained)
    _print_answers(measured)


def _print_drained(drained: list[Drained]) -> None:
    count = ACCOUNTS * DEALS_PER_ACCOUNT
    print(f"\n## Outbox on PostgreSQL — {count} order intents of {ACCOUNTS} accounts queued while 1C was down,")
    print(f"due at once; budget 50 amoCRM rps per account ({os.cpu_count()} CPUs on this machine)\n")
    print("| workers | intents/s | × one worker | workers' CPU ms/intent | all CPUs busy | undelivered |")
    print("|---------|-----------|--------------|------------------------|---------------|-------------|")
    for workers, result in zip(WORKER_COUNTS, drained, strict=True):
        print(
            f"| {workers:>7} | {result.rate:>9.1f} | {result.rate / drained[0].rate:>11.2f}× "
            f"| {result.worker_cpu_ms:>22.1f} | {100 * result.machine_busy:>12.0f}% | {result.undelivered:>11} |"
        )


def _print_answers(measured: Answers) -> None:
    hooks, floor = measured.hooks, measured.floor
    print(f"\n## Webhook endpoint on PostgreSQL — {HOOK_RATE} hooks/s for {HOOK_SECONDS} s, one worker")
    print("(target: p99 under 50 ms; the worker reads every hint back from amoCRM meanwhile, at its budget)\n")
    print("| | median | p99 | max | worker's CPU per request |")
    print("|---|---|---|---|---|")
    for label, values, cpu in (
        ("POST /amocrm/webhooks/{secret}", hooks, measured.hook_cpu_ms),
        ("floor: GET /healthz at the same rate", floor, measured.floor_cpu_ms),
    ):
        median, p99 = statistics.median(values), _percentile(values, 0.99)
        print(f"| {label} | {median:.1f} ms | {p99:.1f} ms | {max(values):.1f} ms | {cpu:.1f} ms |")
    print(f"| ratio (p99) | | {_percentile(hooks, 0.99) / _percentile(floor, 0.99):.1f}× | | |")
