"""Issue 7: sync throughput with 1, 2 and 4 `amo1c serve` workers on one PostgreSQL and the fake amoCRM.

Everything is a real process: a PostgreSQL 15 cluster of its own (or AMO1C_TEST_PG), the fake amoCRM
(`python -m backend.fakes.amocrm`) and the workers (`python -m backend serve`), driven over HTTP from here with
calls handed to the workers in turn, as a round-robin load balancer would. Each run gets a fresh database.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from backend import db
from backend.testing import postgres as pg
from backend.testing.workers import ServeWorkers
from benchmarks.harness import AUTH, LOGIN, OPERATOR, OPERATOR_AUTH, PASSWORD

CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-client-secret-0123456789"
PUBLIC_URL = "http://127.0.0.1:8000"  # the redirect URI both sides agree on; nothing listens there
WORKER_COUNTS = (1, 2, 4)
_subdomains = itertools.count(1)


@dataclass(frozen=True)
class Load:
    """One measured run: how many accounts and new contacts, the fake's limit and amo1c's budget per account."""

    accounts: int
    entities: int
    concurrency: int
    fake_rps: int  # 0 = no limit
    budget_rps: float


@dataclass(frozen=True)
class Measured:
    rate: float  # entities per second
    calls: int  # amoCRM API calls during the measured window
    refused: int  # 429s the fake answered
    worker_cpu_ms: float  # CPU time of all workers together per entity
    machine_busy: float  # share of all CPUs busy during the window (every process on the machine)


@contextlib.contextmanager
def fake_amocrm(public_url: str = PUBLIC_URL) -> Iterator[str]:
    """The fake amoCRM as a process of its own (so it never competes with this one for the GIL), for workers whose
    AMO1C_PUBLIC_URL is `public_url`; yields its URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "backend.fakes.amocrm", "--port", str(port), "--client-id", CLIENT_ID,
        "--client-secret", CLIENT_SECRET, "--redirect-uri", f"{public_url}/oauth/callback",
    ]  # fmt: skip
    with serving(command, f"http://127.0.0.1:{port}", "/_fake/accounts") as url:
        yield url


@contextlib.contextmanager
def serving(command: list[str], url: str, probe: str) -> Iterator[str]:
    """A server process started with `command`, once GET `url` + `probe` answers 200; yields `url`, terminates it
    afterwards. Raises RuntimeError when it exits or does not answer within 30 s."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}{probe}", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[2]} did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(15)


def measure(server: pg.PostgresServer, template: str, fake_url: str, workers: int, load: Load) -> Measured:
    """Start `workers` amo1c processes on a fresh database and sync `load.entities` new contacts through them."""
    name = pg.unique_name("amo1c_bench")
    database_url = server.create_database(name, template=template)
    env = {
        "AMO1C_DATABASE_URL": database_url,
        "AMO1C_SECRET_KEY": "b" * 48,
        "AMO1C_PUBLIC_URL": PUBLIC_URL,
        "AMO1C_AMOCRM_BASE_URL": fake_url,
        "AMO1C_AMOCRM_CLIENT_ID": CLIENT_ID,
        "AMO1C_AMOCRM_CLIENT_SECRET": CLIENT_SECRET,
        "AMO1C_AMOCRM_RPS": str(load.budget_rps),
        "AMO1C_ONEC_ALLOW_PRIVATE": "true",
        "AMO1C_ADMIN_USER": OPERATOR[0],
        "AMO1C_ADMIN_PASSWORD": OPERATOR[1],
    }
    try:
        httpx.put(f"{fake_url}/_fake/rps_limit", json={"rps_limit": load.fake_rps}).raise_for_status()
        with ServeWorkers(workers, env) as served:
            return asyncio.run(_drive(fake_url, served, load))
    finally:
        server.drop_database(name)


async def _drive(fake_url: str, served: ServeWorkers, load: Load) -> Measured:
    urls = served.urls
    limits = httpx.Limits(max_connections=load.concurrency * 2, max_keepalive_connections=load.concurrency * 2)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        accounts = [await install(http, fake_url, urls[n % len(urls)]) for n in range(load.accounts)]

        async def sync(url: str, account_id: int, id_1c: str) -> None:
            body = {"key": account_id, "id_base": "bench", "id_1c": id_1c, "name": f"Контакт {id_1c}"}
            response = await http.post(f"{url}/sync/clients_contacts", json=body, headers=AUTH)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}: {response.text}")

        # Outside the window: each worker's first call per account (its caches), then a second for the budget.
        await asyncio.gather(*(sync(url, a, f"warm-{w}") for a in accounts for w, url in enumerate(urls)))
        await asyncio.sleep(1.5)
        (await http.delete(f"{fake_url}/_fake/requests")).raise_for_status()
        refused_before = await _refused(http, fake_url, accounts)
        jobs = [(urls[n % len(urls)], accounts[n % len(accounts)], f"c{n}") for n in range(load.entities)]
        jobs.reverse()

        async def caller() -> None:
            while jobs:
                await sync(*jobs.pop())

        cpu_before, machine_before = cpu_seconds(served.pids), machine_cpu()
        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(load.concurrency)))
        elapsed = time.perf_counter() - started
        worker_cpu = cpu_seconds(served.pids) - cpu_before
        busy, total = (after - before for after, before in zip(machine_cpu(), machine_before, strict=True))
        recorded = (await http.get(f"{fake_url}/_fake/requests")).json()["requests"]
        calls = sum(1 for record in recorded if record["path"].startswith("/api/"))
        refused = await _refused(http, fake_url, accounts) - refused_before
    return Measured(load.entities / elapsed, calls, refused, 1000 * worker_cpu / load.entities, busy / max(total, 1))


async def install(http: httpx.AsyncClient, fake_url: str, worker_url: str) -> int:
    """A new account of the fake, installed through amo1c's real /oauth/callback, with base "bench" linked."""
    subdomain = f"bench{next(_subdomains)}"
    created = (await http.post(f"{fake_url}/_fake/accounts", json={"subdomain": subdomain})).json()
    query = {"code": created["code"], "referer": f"{subdomain}.amocrm.ru", "from_widget": "1"}
    (await http.get(f"{worker_url}/oauth/callback", params=query)).raise_for_status()
    base = {
        "key": created["account_id"], "id_base": "bench", "web_address": "http://1c.bench/hs/x",
        "url_address": "http://1c.bench", "param1": LOGIN, "param2": PASSWORD,
    }  # fmt: skip
    (await http.post(f"{worker_url}/sync/base", json=base, headers=OPERATOR_AUTH)).raise_for_status()
    return int(created["account_id"])


async def _refused(http: httpx.AsyncClient, fake_url: str, accounts: list[int]) -> int:
    listed = (await http.get(f"{fake_url}/_fake/accounts")).json()["accounts"]
    return sum(a["counters"]["rate_limited"] for a in listed if a["account_id"] in accounts)


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes used so far (Linux /proc; 0 elsewhere)."""
    seconds = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def machine_cpu() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far (Linux /proc/stat; zeros elsewhere)."""
    try:
        ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = ticks[3] + ticks[4]  # idle, iowait
    return sum(ticks) - idle, sum(ticks)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run() -> None:
    """Print both tables (about two minutes)."""
    lifted = Load(accounts=8, entities=1200, concurrency=32, fake_rps=0, budget_rps=50)
    limited = Load(accounts=1, entities=60, concurrency=8, fake_rps=7, budget_rps=6)
    with pg.postgres_server(os.environ.get(pg.TEST_PG_VARIABLE)) as server, fake_amocrm() as fake_url:
        template = pg.unique_name("amo1c_bench_template")
        template_url = server.create_database(template)
        try:
            pg.run_in_thread(lambda: db.apply_migrations(template_url))
            scaling = [measure(server, template, fake_url, n, lifted) for n in WORKER_COUNTS]
            budgeted = [measure(server, template, fake_url, n, limited) for n in WORKER_COUNTS]
        finally:
            server.drop_database(template)

    _print_scaling(lifted, scaling)
    _print_budget(limited, budgeted)


def _print_scaling(load: Load, results: list[Measured]) -> None:
    print(f"\n## Several workers on PostgreSQL — amoCRM's limit lifted ({os.cpu_count()} CPUs on this machine)\n")
    print(
        f"{load.entities} new contacts (1C id only: one amoCRM call each) over {load.accounts} accounts, "
        f"{load.concurrency} concurrent callers, budget {load.budget_rps:g} rps per account\n"
    )
    print("| workers | entities/s | × one worker | workers' CPU ms/entity | all CPUs busy | 429s |")
    print("|---------|------------|--------------|------------------------|---------------|------|")
    for workers, r in zip(WORKER_COUNTS, results, strict=True):
        speedup = r.rate / results[0].rate
        print(
            f"| {workers:>7} | {r.rate:>10.1f} | {speedup:>11.2f}× | {r.worker_cpu_ms:>22.1f} "
            f"| {100 * r.machine_busy:>12.0f}% | {r.refused:>4} |"
        )


def _print_budget(load: Load, results: list[Measured]) -> None:
    print(f"\n## Several workers on PostgreSQL — the fake's {load.fake_rps} rps limit on, one shared budget\n")
    print(
        f"{load.entities} new contacts of one account, {load.concurrency} concurrent callers, budget "
        f"{load.budget_rps:g} rps for the account across all workers (target ≥ 90 % of it and no 429; N starts span "
        f"(N − 1)/budget seconds, so a full budget shows slightly over 100 %)\n"
    )
    print("| workers | entities/s | amoCRM calls/s | % of budget | 429s |")
    print("|---------|------------|----------------|-------------|------|")
    for workers, result in zip(WORKER_COUNTS, results, strict=True):
        calls_rate = result.rate * result.calls / load.entities
        share = 100 * calls_rate / load.budget_rps
        print(f"| {workers:>7} | {result.rate:>10.2f} | {calls_rate:>14.2f} | {share:>10.1f}% | {result.refused:>4} |")
