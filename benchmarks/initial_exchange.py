"""Issue 14: 1C's first exchange — a 10,000-counterparty directory into an account that already holds 10,000
contacts — through the batch endpoints, against the physical floor of the same work; beside it the per-entity
path on a 300-contact sample of the same data, extrapolated.

Every part is a real process: the fake amoCRM at 7 requests per second per account, one `amo1c serve` worker on
SQLite with a request budget of 6 per second, and 1C (this process) sending batches of 500 one after another, as
an exchange processing in 1C would. The worker's peak memory is its VmHWM from /proc.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

from backend.sync.batch import MAX_ITEMS
from backend.sync.chunks import WRITE_CHUNK
from backend.testing.workers import ServeWorkers
from benchmarks.harness import AUTH, OPERATOR
from benchmarks.workers import CLIENT_ID, CLIENT_SECRET, PUBLIC_URL, fake_amocrm, install

DIRECTORY = 10_000  # 1C's counterparties
HELD = 10_000  # contacts the account holds before the exchange
SHARED = 2_000  # of which 1C's directory has by phone (every 5th counterparty)
SAMPLE = 300  # counterparties sent one call each, extrapolated to the directory
ORDERS = 2_000  # 1C's open orders, each of a counterparty of the directory, then a payment of each
SAMPLE_CALLERS = 8
FAKE_RPS, BUDGET_RPS = 7, 6.0
PAGE = 250  # amoCRM's longest page
TARGET_SECONDS = 120


@dataclass(frozen=True)
class Exchange:
    seconds: float
    requests: Counter[str]  # by what they were for
    refused: int  # 429s
    contacts: int  # in the account afterwards
    duplicates: int  # phone numbers held by more than one contact
    failed: int  # items answered with an error
    peak_rss_mb: float
    account_id: int
    contact_ids: list[int]  # the counterparties' contacts, in the directory's order


@dataclass(frozen=True)
class Phase:
    """Orders or events sent in batches after the directory: time, amoCRM requests, failed items, what amoCRM
    holds afterwards (deals, or notes)."""

    seconds: float
    requests: int
    failed: int
    held: int


def phone_of(n: int) -> str:
    """Counterparty n's phone as 1C writes it."""
    return f"+7 {9_000_000_000 + n}"


def held_phone(k: int) -> str:
    """The phone of the account's contact k, as a manager typed it: every 5th counterparty's, in another format."""
    if k < SHARED:
        digits = str(9_000_000_000 + 5 * k)
        return f"8 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"
    return f"+7 {8_000_000_000 + k}"


def counterparty(n: int) -> dict[str, Any]:
    return {"id_1c": f"cp-{n:05d}", "name": f"Контрагент {n}", "phone": phone_of(n)}


def floor_requests() -> int:
    """The least amoCRM requests the work needs: read the account's contacts once, write every counterparty in
    writes of 50 (new ones created, the shared ones updated)."""
    return math.ceil(HELD / PAGE) + math.ceil((DIRECTORY - SHARED) / WRITE_CHUNK) + math.ceil(SHARED / WRITE_CHUNK)


async def seed(http: httpx.AsyncClient, fake_url: str, account_id: int) -> None:
    """The account's HELD contacts (outside the measured window), made over the past months as an account's
    contacts are: the last changed ten minutes apart (amoCRM takes `created_at`/`updated_at` on create)."""
    now = int(time.time())
    for start in range(0, HELD, 1000):
        items = [
            {
                "name": f"Клиент amoCRM {k}",
                "created_at": now - (HELD - k) * 600,
                "updated_at": now - (HELD - k) * 600,
                "custom_fields_values": [
                    {"field_code": "PHONE", "values": [{"value": held_phone(k), "enum_code": "WORK"}]}
                ],
            }
            for k in range(start, min(HELD, start + 1000))
        ]
        (
            await http.post(f"{fake_url}/_fake/accounts/{account_id}/contacts/import", json={"items": items})
        ).raise_for_status()


async def counts(http: httpx.AsyncClient, fake_url: str, account_id: int) -> tuple[int, int, int]:
    """(contacts, phones held by more than one contact, 429s so far) of an account of the fake."""
    state = (await http.get(f"{fake_url}/_fake/accounts/{account_id}/state")).json()
    phones: Counter[str] = Counter()
    for contact in state["contacts"]:
        for field in contact.get("custom_fields_values") or []:
            if field.get("field_code") == "PHONE":
                phones.update("".join(ch for ch in v["value"] if ch.isdigit())[-10:] for v in field["values"])
    duplicates = sum(1 for seen in phones.values() if seen > 1)
    return len(state["contacts"]), duplicates, int(state["counters"]["rate_limited"])


async def requests_of(http: httpx.AsyncClient, fake_url: str, account_id: int) -> Counter[str]:
    """The account's amoCRM requests since the log was cleared, by what they were for."""
    recorded = (await http.get(f"{fake_url}/_fake/requests", params={"account_id": account_id})).json()["requests"]
    kinds: Counter[str] = Counter()
    for record in recorded:
        if not record["path"].startswith("/api/"):
            continue
        query = unquote(record.get("query") or "")
        if record["method"] == "GET" and ("filter[updated_at]" in query or "order[id]" in query):
            kinds["index reads"] += 1
        elif record["method"] == "GET" and "filter[id]" in query:
            kinds["reads by id"] += 1
        elif record["method"] == "GET" and record["path"].endswith("/contacts"):
            kinds["searches"] += 1
        elif record["method"] == "POST" and record["path"].endswith("/contacts"):
            kinds["creates"] += 1
        elif record["method"] == "PATCH":
            kinds["updates"] += 1
        else:
            kinds["other"] += 1
    return kinds


async def exchange(http: httpx.AsyncClient, fake_url: str, url: str, pid: int) -> Exchange:
    """The whole directory through /sync/clients_contacts/batch, 500 a call, one call after another."""
    account_id = await install(http, fake_url, url)
    await seed(http, fake_url, account_id)
    _, _, refused_before = await counts(http, fake_url, account_id)
    await asyncio.sleep(1.5)  # the budget of the installation's requests
    (await http.delete(f"{fake_url}/_fake/requests")).raise_for_status()
    started = time.perf_counter()
    answers = await in_batches(
        http, url, account_id, "/sync/clients_contacts/batch", map(counterparty, range(DIRECTORY))
    )
    seconds = time.perf_counter() - started
    requests = await requests_of(http, fake_url, account_id)
    contacts, duplicates, refused = await counts(http, fake_url, account_id)
    rss = peak_rss_mb(pid)
    failed = sum(1 for answer in answers if not answer["success"])
    ids = [int(answer["data"] or 0) for answer in answers]
    return Exchange(seconds, requests, refused - refused_before, contacts, duplicates, failed, rss, account_id, ids)


async def in_batches(
    http: httpx.AsyncClient, url: str, account_id: int, path: str, items: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Send `items` to a batch call MAX_ITEMS at a time, one call after another; every item's answer in order."""
    pending, answers = list(items), []
    for start in range(0, len(pending), MAX_ITEMS):
        body = {"key": account_id, "id_base": "bench", "items": pending[start : start + MAX_ITEMS]}
        response = await http.post(f"{url}{path}", json=body, headers=AUTH)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:500]}")
        answers.extend(response.json()["data"])
    return answers


async def orders_and_payments(http: httpx.AsyncClient, fake_url: str, url: str, done: Exchange) -> tuple[Phase, Phase]:
    """ORDERS open orders of the directory's counterparties through /sync/leads/batch, then a payment of each
    through /sync/process_event/batch (the bench account has no event rule: each payment is a note)."""
    account_id = done.account_id
    orders = [
        {"id_1c": f"ord-{n:05d}", "order_number": f"{n:05d}", "budget": f"{1000 + n},50",
         "contact_id": done.contact_ids[n * DIRECTORY // ORDERS]}
        for n in range(ORDERS)
    ]  # fmt: skip
    payments = [{"event_name": "payment", "id_1c": f"ord-{n:05d}", "sum": 1000 + n} for n in range(ORDERS)]
    phases = []
    for path, items in (("/sync/leads/batch", orders), ("/sync/process_event/batch", payments)):
        await asyncio.sleep(1.0)
        (await http.delete(f"{fake_url}/_fake/requests")).raise_for_status()
        started = time.perf_counter()
        answers = await in_batches(http, url, account_id, path, items)
        seconds = time.perf_counter() - started
        requests = (await requests_of(http, fake_url, account_id)).total()
        state = (await http.get(f"{fake_url}/_fake/accounts/{account_id}/state")).json()
        held = len(state["leads"]) if path == "/sync/leads/batch" else len(state["notes"])
        phases.append(Phase(seconds, requests, sum(1 for answer in answers if not answer["success"]), held))
    return phases[0], phases[1]


async def sample(http: httpx.AsyncClient, fake_url: str, url: str) -> tuple[float, int, int]:
    """(seconds, amoCRM requests, 429s) of SAMPLE counterparties of the same data sent one call each by
    SAMPLE_CALLERS callers, into another account holding the same contacts."""
    account_id = await install(http, fake_url, url)
    await seed(http, fake_url, account_id)
    _, _, refused_before = await counts(http, fake_url, account_id)
    await asyncio.sleep(1.5)
    (await http.delete(f"{fake_url}/_fake/requests")).raise_for_status()
    jobs = [counterparty(n) for n in range(SAMPLE)]
    jobs.reverse()

    async def caller() -> None:
        while jobs:
            body = {"key": account_id, "id_base": "bench", **jobs.pop()}
            response = await http.post(f"{url}/sync/clients_contacts", json=body, headers=AUTH)
            if response.status_code != 200:
                raise RuntimeError(f"the call answered {response.status_code}: {response.text[:300]}")

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(SAMPLE_CALLERS)))
    seconds = time.perf_counter() - started
    _, _, refused = await counts(http, fake_url, account_id)
    return seconds, (await requests_of(http, fake_url, account_id)).total(), refused - refused_before


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB; 0 where /proc is missing."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run() -> None:
    """Print the table (about three minutes)."""
    with fake_amocrm() as fake_url, tempfile.TemporaryDirectory(prefix="amo1c-exchange-") as tmp:
        httpx.put(f"{fake_url}/_fake/rps_limit", json={"rps_limit": FAKE_RPS}).raise_for_status()
        env = {
            "AMO1C_DATABASE_URL": f"sqlite://{Path(tmp) / 'exchange.sqlite3'}",
            "AMO1C_SECRET_KEY": "b" * 48,
            "AMO1C_PUBLIC_URL": PUBLIC_URL,
            "AMO1C_AMOCRM_BASE_URL": fake_url,
            "AMO1C_AMOCRM_CLIENT_ID": CLIENT_ID,
            "AMO1C_AMOCRM_CLIENT_SECRET": CLIENT_SECRET,
            "AMO1C_AMOCRM_RPS": str(BUDGET_RPS),
            "AMO1C_ONEC_ALLOW_PRIVATE": "true",
            "AMO1C_ADMIN_USER": OPERATOR[0],
            "AMO1C_ADMIN_PASSWORD": OPERATOR[1],
        }
        with ServeWorkers(1, env) as served:
            (url,), (pid,) = served.urls, served.pids

            async def all_of_it() -> tuple[Exchange, tuple[Phase, Phase], tuple[float, int, int]]:
                async with httpx.AsyncClient(timeout=600) as http:
                    done = await exchange(http, fake_url, url, pid)
                    then = await orders_and_payments(http, fake_url, url, done)
                    return done, then, await sample(http, fake_url, url)

            measured, (orders, payments), (sample_seconds, sample_requests, sample_refused) = asyncio.run(all_of_it())
    _print(measured, sample_seconds, sample_requests, sample_refused)
    _print_phases(orders, payments)


def _print(measured: Exchange, sample_seconds: float, sample_requests: int, sample_refused: int) -> None:
    floor = floor_requests()
    floor_seconds = floor / FAKE_RPS
    extrapolated = sample_seconds * DIRECTORY / SAMPLE
    print(
        f"\n## Initial exchange: {DIRECTORY:,} counterparties into an account holding {HELD:,} contacts (target ≤ "
        f"{TARGET_SECONDS} s and within 2× of the floor, 0 duplicates, 0 429s, peak RSS ≤ 200 MB)\n"
    )
    print(
        f"{SHARED:,} of them are in amoCRM already (by phone, typed differently); the fake amoCRM allows {FAKE_RPS} "
        f"requests/s per account, amo1c's budget is {BUDGET_RPS:g}/s; one `amo1c serve` worker on SQLite; batches "
        f"of {MAX_ITEMS} sent one after another. The floor is the least requests the work needs — read the "
        f"account once ({PAGE} a page) and write every counterparty 50 a request — at {FAKE_RPS} requests/s.\n"
    )
    header = ["path", "wall time", "amoCRM requests", "429s", "contacts after", "duplicates", "failed items"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("-" * (len(column) + 2) for column in header) + "|")
    print(
        f"| batch endpoints | {measured.seconds:.1f} s | {measured.requests.total()} | {measured.refused} | "
        f"{measured.contacts:,} (expected {HELD + DIRECTORY - SHARED:,}) | {measured.duplicates} | {measured.failed} |"
    )
    total = measured.requests.total()
    breakdown = ", ".join(f"{kind} {count}" for kind, count in sorted(measured.requests.items()))
    print(f"| physical floor | {floor_seconds:.1f} s | {floor} | — | — | — | — |")
    print(
        f"| one call per entity, {SAMPLE} sampled ({SAMPLE_CALLERS} callers) | {sample_seconds:.1f} s | "
        f"{sample_requests} | {sample_refused} | — | — | — |"
    )
    print(
        f"| one call per entity, extrapolated to {DIRECTORY:,} | {extrapolated / 60:.0f} min | "
        f"{round(sample_requests * DIRECTORY / SAMPLE)} | — | — | — | — |"
    )
    print(
        f"\nbatch / floor: {measured.seconds / floor_seconds:.2f}× the time, {total / floor:.2f}× the "
        f"requests; batch vs one call per entity: {extrapolated / measured.seconds:.0f}× faster; the worker's peak "
        f"RSS: {measured.peak_rss_mb:.0f} MB\nthe batches' amoCRM requests: {breakdown}"
    )


def _print_phases(orders: Phase, payments: Phase) -> None:
    print(f"\nThen {ORDERS:,} open orders of those counterparties (each linked to its contact) and a payment of each, "
          f"in batches of {MAX_ITEMS} (the account has no event rule: each payment is a note):\n")  # fmt: skip
    print("| batch call | wall time | amoCRM requests | failed items | in amoCRM afterwards |")
    print("|---|---|---|---|---|")
    print(f"| /sync/leads/batch | {orders.seconds:.1f} s | {orders.requests} | {orders.failed} | "
          f"{orders.held:,} deals (expected {ORDERS:,}) |")  # fmt: skip
    print(f"| /sync/process_event/batch | {payments.seconds:.1f} s | {payments.requests} | {payments.failed} | "
          f"{payments.held:,} notes (expected {ORDERS:,}) |")  # fmt: skip


if __name__ == "__main__":
    run()
