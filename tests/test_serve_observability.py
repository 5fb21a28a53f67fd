"""`amo1c serve` as a real process: JSON log lines on its own output carrying the request id the answer and the
sync log entry carry; and with `--workers 2` on PostgreSQL, /metrics summing both workers' figures."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from backend.testing import postgres as pg
from tests.test_cli import GOOD_SECRET, amo1c_env, free_port, wait_for
from tests.test_metrics import figure

TOKEN = "serve-metrics-token-0123456789"
SCRAPE = {"Authorization": f"Bearer {TOKEN}", "Connection": "close"}
UI_TOKEN = "eyJhIjoxLCJ1IjoyLCJhZG0iOnRydWUsImwiOiJydSJ9.aBcDeF.c2lnbmF0dXJlLW9mLXRoZS11aS10b2tlbg"
ACCOUNT = 987654321  # distinctive: it must not show up in the scrape


def serve(tmp_path: Path, *args: str, **env: str) -> tuple[str, subprocess.Popen[str]]:
    port = free_port()
    environment = amo1c_env(
        tmp_path,
        AMO1C_SECRET_KEY=GOOD_SECRET,
        AMO1C_METRICS="true",
        AMO1C_METRICS_TOKEN=TOKEN,
        AMO1C_LOG_FORMAT="json",
        TMPDIR=str(tmp_path / "tmp"),
        **env,
    )
    (tmp_path / "tmp").mkdir(exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "backend", "serve", "--port", str(port), *args],
        env=environment, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    return f"http://127.0.0.1:{port}", process


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.terminate()
    stdout, stderr = process.communicate(timeout=30)
    return stdout, stderr


@pytest.fixture
def single(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    url, process = serve(tmp_path)
    try:
        yield url, process
    finally:
        if process.poll() is None:
            stop(process)


def test_json_log_lines_carry_the_request_id_of_the_answer_and_of_the_sync_log_entry(
    tmp_path: Path, single: tuple[str, subprocess.Popen[str]]
) -> None:
    url, process = single
    wait_for(f"{url}/healthz", process)
    proxied = httpx.get(f"{url}/sync/check_active", params={"key": ACCOUNT}, headers={"X-Request-ID": "proxy-id-123"})
    evil = httpx.get(f"{url}/sync/check_active", params={"key": ACCOUNT + 1}, headers={"X-Request-ID": 'evil"id<x>'})
    httpx.get(f"{url}/ui/settings", params={"token": UI_TOKEN, "lang": "ru"})
    scraped = httpx.get(f"{url}/metrics", headers=SCRAPE)
    stdout, stderr = stop(process)

    # no such account: the envelope's 404, counted as an invalid call and logged like any other
    assert [proxied.status_code, evil.status_code, scraped.status_code] == [404, 404, 200]
    assert proxied.headers["x-request-id"] == "proxy-id-123"
    assert len(evil.headers["x-request-id"]) == 32 and "evil" not in stdout + stderr
    assert figure(scraped.text, "amo1c_sync_calls_total", operation="check_active", outcome="invalid") == 2
    assert str(ACCOUNT) not in scraped.text

    lines = [json.loads(line) for line in (stdout + stderr).splitlines() if line.strip()]  # every line is JSON
    assert {"uvicorn.error", "uvicorn.access"} <= {line["logger"] for line in lines}
    access = [line for line in lines if line["logger"] == "uvicorn.access" and line["request_id"] == "proxy-id-123"]
    assert len(access) == 1
    assert access[0]["path"] == f"/sync/check_active?key={ACCOUNT}" and access[0]["status"] == 404
    assert access[0]["account"] == ACCOUNT and access[0]["operation"] == "check_active"
    assert {"time", "level", "message", "base", "duration_ms"} <= set(access[0])
    replaced = [line for line in lines if line["request_id"] == evil.headers["x-request-id"]]
    assert [line["logger"] for line in replaced] == ["uvicorn.access"]
    assert UI_TOKEN not in stdout + stderr and UI_TOKEN[:12] not in stdout + stderr
    assert TOKEN not in stdout + stderr
    assert any("/ui/settings?token=***&lang=ru" in line["message"] for line in lines)

    with sqlite3.connect(tmp_path / "db" / "amo1c.sqlite3") as database:
        stored = database.execute("SELECT request_id FROM sync_log WHERE account_id = ?", (ACCOUNT,)).fetchall()
    assert stored == [("proxy-id-123",)]


@pytest.fixture
def postgres_url(postgres_server: pg.PostgresServer, postgres_template: str) -> Iterator[str]:
    name = pg.unique_name("amo1c_metrics")
    yield postgres_server.create_database(name, template=postgres_template)
    postgres_server.drop_database(name)


def per_worker(directory: Path, name: str, **labels: str) -> dict[int, float]:
    """What each worker's own file says of a counter, by pid (read through a directory holding that file alone)."""
    found = {}
    for path in directory.glob("counter_*.db"):
        alone = directory.parent / f"alone-{path.stem}"
        alone.mkdir()
        shutil.copyfile(path, alone / path.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        found[int(path.stem.split("_")[1])] = figure(generate_latest(registry).decode(), name, **labels)
        shutil.rmtree(alone)
    return found


@pytest.mark.postgres
def test_two_workers_metrics_sum_over_both(tmp_path: Path, postgres_url: str) -> None:
    url, process = serve(tmp_path, "--workers", "2", AMO1C_DATABASE_URL=postgres_url)
    try:
        wait_for(f"{url}/healthz", process, timeout=60)
        [directory] = (tmp_path / "tmp").glob("amo1c-metrics-*")
        assert directory.stat().st_mode & 0o777 == 0o700

        async def calls(count: int) -> list[int]:
            async def one() -> int:
                async with httpx.AsyncClient(timeout=30) as http:  # a connection of its own: either worker takes it
                    params: dict[str, Any] = {"key": ACCOUNT}
                    return (await http.get(f"{url}/sync/check_active", params=params)).status_code

            return await asyncio.gather(*(one() for _ in range(count)))

        sent = 0
        for _ in range(10):  # until both workers served some (the kernel hands connections out as it likes)
            assert asyncio.run(calls(20)) == [404] * 20  # no such account: each call is answered and counted
            sent += 20
            served = per_worker(directory, "amo1c_sync_calls_total", operation="check_active")
            if len([pid for pid, count in served.items() if count > 0]) == 2:
                break
        assert len([count for count in served.values() if count > 0]) == 2, served
        assert sum(served.values()) == sent

        for _ in range(6):  # whichever worker answers the scrape, it sums both
            scraped = httpx.get(f"{url}/metrics", headers=SCRAPE, timeout=30)
            assert scraped.status_code == 200
            assert figure(scraped.text, "amo1c_sync_calls_total", operation="check_active", outcome="invalid") == sent
            assert figure(scraped.text, "amo1c_sync_call_seconds_count", operation="check_active") == sent
            assert figure(scraped.text, "amo1c_workers") == 2
            assert str(ACCOUNT) not in scraped.text and "postgres" not in scraped.text
        assert httpx.get(f"{url}/metrics", headers={"Connection": "close"}).status_code == 401
    finally:
        stdout, stderr = stop(process)
    assert all(json.loads(line) for line in (stdout + stderr).splitlines() if line.strip())
    assert not directory.exists(), "serve removes its metrics directory when it stops"
