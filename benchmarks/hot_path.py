"""Issue 14: a no-op re-sync through a real `amo1c serve` against bare Starlette answering the same envelope.

One `amo1c serve` worker on SQLite, then one on PostgreSQL (a cluster of its own, or AMO1C_TEST_PG), each in front
of the fake amoCRM running as a real server, with one account, one approved base and one linked contact. `wrk`
(Debian's, 16 connections, a Lua script posting the contact's unchanged JSON body with the base's Basic Auth) loads
it, and in the same run `uvicorn benchmarks.bare:app` — bare Starlette reading the same body and answering the same
envelope, one worker too. Runs alternate between the two; each figure is the median of ROUNDS runs.

On two CPUs or more the servers measured run on the last CPU and everything else (wrk, this process, PostgreSQL,
the fake amoCRM) on the others, so wrk never takes CPU time from the server it measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from backend import db
from backend.models import SyncLogEntry
from backend.testing import postgres as pg
from backend.testing.workers import ServeWorkers
from benchmarks.harness import AUTH, OPERATOR
from benchmarks.workers import CLIENT_ID, CLIENT_SECRET, PUBLIC_URL, cpu_seconds, fake_amocrm, free_port, install

PATH = "/sync/clients_contacts"
ID_1C = "hot-path-contact"
CONNECTIONS = 16
DURATION = 8  # seconds of one measured wrk run
WARMUP = 2  # seconds of the unmeasured run before them
ROUNDS = 3
TARGET = 0.30
ROOT = Path(__file__).resolve().parent.parent
_RESULT = "amo1c-wrk"
# wrk's `done` hook prints one line this module reads: requests, microseconds, bad answers, p99 latency in µs.
_REPORT = f"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("{_RESULT} %d %d %d %d\\n", summary.requests, summary.duration,
    e.status + e.connect + e.read + e.write + e.timeout, latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class WrkRun:
    """What one wrk run measured, and the CPU time the server took meanwhile."""

    requests: int
    seconds: float
    bad: int  # non-2xx answers and socket errors
    p99_ms: float
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_per_call_ms(self) -> float:
        return 1000 * self.cpu_seconds / max(self.requests, 1)


@dataclass(frozen=True)
class Pair:
    """amo1c and bare Starlette measured in one run on one database."""

    database: str
    amo1c: list[WrkRun]
    bare: list[WrkRun]
    amocrm_requests: int  # amoCRM API requests amo1c made while loaded (a no-op makes none)
    answered: int  # calls wrk saw answered by amo1c, warm-up included
    logged: int  # sync log entries of those calls (a few more: wrk stops with calls under way)

    @property
    def ratio(self) -> float:
        return _median_rate(self.amo1c) / _median_rate(self.bare)


def placement() -> tuple[set[int] | None, set[int] | None]:
    """(CPUs of the servers measured, CPUs of everything else); (None, None) with fewer than two CPUs."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return {cpus[-1]}, set(cpus[:-1])


def wrk(url: str, script: Path, seconds: int, server: int | None = None) -> WrkRun:
    """One wrk run of CONNECTIONS connections against `url` (and the CPU time of the `server` process meanwhile);
    raises RuntimeError when wrk fails."""
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url]
    cpu_before = cpu_seconds([server]) if server is not None else 0.0
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    cpu = cpu_seconds([server]) - cpu_before if server is not None else 0.0
    for line in finished.stdout.splitlines():
        if line.startswith(_RESULT):
            requests, micros, bad, p99 = (int(part) for part in line.split()[1:])
            return WrkRun(requests, micros / 1e6, bad, p99 / 1000, cpu)
    raise RuntimeError(f"wrk failed: {finished.stderr.strip() or finished.stdout.strip()}")


def lua_script(directory: Path, body: dict[str, Any]) -> Path:
    """A wrk script posting `body` as JSON with the base's Basic Auth."""
    script = directory / "post.lua"
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {_lua_string(json.dumps(body, ensure_ascii=False))}",
        'wrk.headers["Content-Type"] = "application/json"',
        f'wrk.headers["Authorization"] = {_lua_string(AUTH["Authorization"])}',
    ]
    script.write_text("\n".join(lines) + _REPORT, encoding="utf-8")
    return script


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


@contextlib.contextmanager
def bare_starlette(cpus: set[int] | None, directory: Path) -> Iterator[tuple[str, int]]:
    """`uvicorn benchmarks.bare:app` as a process of its own, one worker, on `cpus`; yields its URL and pid."""
    port = free_port()
    with open(directory / "bare.log", "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "benchmarks.bare:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=None if cpus is None else (lambda: os.sched_setaffinity(0, cpus)),
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("bare Starlette did not start")
            time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(15)


async def _prepare(url: str, fake_url: str) -> dict[str, Any]:
    """Install an account, link its base and sync one contact; returns the body whose re-sync is a no-op."""
    async with httpx.AsyncClient(timeout=60) as http:
        account_id = await install(http, fake_url, url)
        body = {
            "key": account_id, "id_base": "bench", "id_1c": ID_1C, "name": "Иванов Иван Иванович",
            "phone": "+7 999 000-00-01", "email": "ivanov@example.ru", "link": "e1cib/data/Справочник.Контрагенты",
        }  # fmt: skip
        for _ in range(2):  # the first creates the contact, the second checks the re-sync sends nothing
            before = await _amocrm_requests(http, fake_url)
            response = await http.post(f"{url}{PATH}", json=body, headers=AUTH)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}: {response.text}")
        if await _amocrm_requests(http, fake_url) != before:
            raise RuntimeError("the re-sync of an unchanged contact called amoCRM")
        return body


async def _amocrm_requests(http: httpx.AsyncClient, fake_url: str) -> int:
    recorded = (await http.get(f"{fake_url}/_fake/requests")).json()["requests"]
    return sum(1 for record in recorded if record["path"].startswith("/api/"))


async def _logged(database_url: str) -> int:
    async with db.isolated_database(database_url):
        return await SyncLogEntry.filter(operation="clients_contacts", id_1c=ID_1C).count()


def measure(label: str, database_url: str, fake_url: str, cpus: set[int] | None) -> Pair:
    """Load amo1c on `database_url` and bare Starlette in turn; the sync log is counted after amo1c stopped."""
    env = {
        "AMO1C_DATABASE_URL": database_url,
        "AMO1C_SECRET_KEY": "h" * 48,
        "AMO1C_PUBLIC_URL": PUBLIC_URL,
        "AMO1C_AMOCRM_BASE_URL": fake_url,
        "AMO1C_AMOCRM_CLIENT_ID": CLIENT_ID,
        "AMO1C_AMOCRM_CLIENT_SECRET": CLIENT_SECRET,
        "AMO1C_ONEC_ALLOW_PRIVATE": "true",
        "AMO1C_ADMIN_USER": OPERATOR[0],
        "AMO1C_ADMIN_PASSWORD": OPERATOR[1],
    }
    amo1c: list[WrkRun] = []
    bare: list[WrkRun] = []
    with tempfile.TemporaryDirectory(prefix="amo1c-hot-") as tmp:
        directory = Path(tmp)
        with ServeWorkers(1, env, cpus=cpus) as served, bare_starlette(cpus, directory) as (bare_url, bare_pid):
            url, pid = served.urls[0], served.pids[0]
            body = asyncio.run(_prepare(url, fake_url))
            script = lua_script(directory, body)
            before = asyncio.run(_count_amocrm(fake_url))
            warmups = [wrk(f"{target}{PATH}", script, WARMUP) for target in (url, bare_url)]
            for _ in range(ROUNDS):
                bare.append(wrk(f"{bare_url}{PATH}", script, DURATION, bare_pid))
                amo1c.append(wrk(f"{url}{PATH}", script, DURATION, pid))
            amocrm = asyncio.run(_count_amocrm(fake_url)) - before
        logged = pg.run_in_thread(lambda: _logged(database_url)) - 2  # the two calls of _prepare
    answered = warmups[0].requests + sum(run.requests for run in amo1c)
    if any(run.bad for run in [*amo1c, *bare, *warmups]):
        raise RuntimeError(f"{label}: wrk saw failed calls: {[run.bad for run in [*amo1c, *bare]]}")
    return Pair(label, amo1c, bare, amocrm, answered, logged)


async def _count_amocrm(fake_url: str) -> int:
    async with httpx.AsyncClient(timeout=30) as http:
        return await _amocrm_requests(http, fake_url)


def _median_rate(runs: list[WrkRun]) -> float:
    return statistics.median(run.rate for run in runs)


def _median_p99(runs: list[WrkRun]) -> float:
    return statistics.median(run.p99_ms for run in runs)


def _median_cpu(runs: list[WrkRun]) -> float:
    return statistics.median(run.cpu_per_call_ms for run in runs)


def run() -> None:
    """Print the table (about two minutes)."""
    if shutil.which("wrk") is None:
        print("\n## No-op re-sync vs bare Starlette: skipped, wrk is missing (make bench installs it)")
        return
    server_cpus, load_cpus = placement()
    previous = os.sched_getaffinity(0) if load_cpus is not None else None
    pairs: list[Pair] = []
    try:
        if load_cpus is not None:
            os.sched_setaffinity(0, load_cpus)  # wrk, PostgreSQL and the fake amoCRM start from here: they inherit it
        with fake_amocrm() as fake_url, tempfile.TemporaryDirectory(prefix="amo1c-hot-db-") as tmp:
            pairs.append(measure("SQLite", f"sqlite://{Path(tmp) / 'hot.sqlite3'}", fake_url, server_cpus))
            with pg.postgres_server(os.environ.get(pg.TEST_PG_VARIABLE)) as server:
                name = pg.unique_name("amo1c_hot")
                database_url = server.create_database(name)
                try:
                    pg.run_in_thread(lambda: db.apply_migrations(database_url))
                    pairs.append(measure("PostgreSQL", database_url, fake_url, server_cpus))
                finally:
                    server.drop_database(name)
    finally:
        if previous is not None:
            os.sched_setaffinity(0, previous)
    _print(pairs, server_cpus, load_cpus)


def _print(pairs: list[Pair], server_cpus: set[int] | None, load_cpus: set[int] | None) -> None:
    print(f"\n## No-op re-sync through HTTP vs bare Starlette (target ratio ≥ {TARGET:.2f})\n")
    where = (
        f"the server measured pinned to CPU {_cpus(server_cpus)}, wrk, PostgreSQL and the fake amoCRM to CPU "
        f"{_cpus(load_cpus)}"
        if server_cpus is not None and load_cpus is not None
        else "no pinning (one CPU)"
    )
    print(
        f"POST {PATH} of a linked contact with unchanged data (0 amoCRM requests), one worker each; wrk "
        f"{CONNECTIONS} connections, median of {ROUNDS} alternating {DURATION} s runs; {where}\n"
    )
    header = ["database  ", "amo1c req/s", "amo1c p99", "amo1c CPU/call", "bare req/s", "bare p99", "bare CPU/call"]
    header += ["ratio", "amoCRM requests", "log entries / answered"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("-" * (len(column) + 2) for column in header) + "|")
    for pair in pairs:
        cells = [
            f"{pair.database:<10}",
            f"{_median_rate(pair.amo1c):>11.0f}",
            f"{_median_p99(pair.amo1c):>6.1f} ms",
            f"{_median_cpu(pair.amo1c):>11.2f} ms",
            f"{_median_rate(pair.bare):>10.0f}",
            f"{_median_p99(pair.bare):>5.1f} ms",
            f"{_median_cpu(pair.bare):>10.2f} ms",
            f"{pair.ratio:>5.2f}",
            f"{pair.amocrm_requests:>15}",
            f"{f'{pair.logged} / {pair.answered}':>22}",
        ]
        print("| " + " | ".join(cells) + " |")


def _cpus(cpus: set[int] | None) -> str:
    return ",".join(str(cpu) for cpu in sorted(cpus or ()))
