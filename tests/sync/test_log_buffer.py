"""The sync log's buffer (issue 14): entries are stored in batches off the request path, on time, on shutdown, and
never dropped when the buffer is full."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from backend import db
from backend.fakes.amocrm import FakeAmoCRM
from backend.models import Direction, SyncLogEntry
from backend.settings import Settings
from backend.sync.log import FLUSH_INTERVAL, LogRecord, SyncLog
from backend.sync.log_buffer import LogBuffer
from backend.sync.log_pages import LogFilter
from tests.conftest import amo1c_over_fakes, client_of
from tests.factories import BASE_AUTH, install_account, link_base


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[None]:
    await db.open_database(database_url)
    yield
    await db.close_database()


def record(n: int = 0, **overrides: object) -> LogRecord:
    return LogRecord(Direction.FROM_1C, "clients_contacts", account_id=1, id_1c=f"c{n}", **overrides)  # type: ignore[arg-type]


async def stored() -> int:
    return await SyncLogEntry.all().count()


async def test_a_started_log_stores_an_entry_within_the_flush_interval_not_at_once(database: None) -> None:
    log = SyncLog(timedelta(days=30), interval=0.1)
    log.start()
    try:
        written = time.monotonic()
        await log.write(record(), status=200, error=None, duration_ms=3)
        assert await stored() == 0  # the call answered without waiting for the database
        while await stored() == 0:
            assert time.monotonic() - written < 1.0, "the entry was not stored in time"
            await asyncio.sleep(0.01)
        assert time.monotonic() - written < 0.1 + 0.2  # the interval, and the time the insert itself takes
        entry = await SyncLogEntry.get()
        assert (entry.id_1c, entry.http_status, entry.duration_ms) == ("c0", 200, 3)
    finally:
        await log.close()


def test_the_default_flush_interval_is_at_most_200_ms() -> None:
    assert 0 < FLUSH_INTERVAL <= 0.2


async def test_entries_keep_the_time_their_call_ended_not_the_time_they_were_stored(database: None) -> None:
    log = SyncLog(timedelta(days=30), interval=0.3)
    log.start()
    ended = datetime.now(UTC)
    await log.write(record(), status=200, error=None, duration_ms=1)
    await asyncio.sleep(0.35)
    await log.close()
    entry = await SyncLogEntry.get()
    assert abs(entry.created_at - ended) < timedelta(milliseconds=100)


async def test_closing_stores_every_waiting_entry(database: None) -> None:
    log = SyncLog(timedelta(days=30), interval=60)
    log.start()
    for n in range(25):
        await log.write(record(n), status=200, error=None, duration_ms=1)
    assert await stored() == 0
    await log.close()
    assert await stored() == 25
    await log.write(record(99), status=200, error=None, duration_ms=1)  # after close: stored at once
    assert await stored() == 26


async def test_a_full_buffer_is_stored_by_the_call_that_finds_it_full_never_dropped(database: None) -> None:
    log = SyncLog(timedelta(days=30), capacity=4, interval=60)  # the timer never fires during the test
    log.start()
    try:
        await asyncio.gather(*(log.write(record(n), status=200, error=None, duration_ms=1) for n in range(30)))
        assert 30 - 4 <= await stored() <= 30  # at most one buffer's worth still waits
        assert len(log._buffer) <= 4
    finally:
        await log.close()
    assert await stored() == 30
    assert sorted(entry.id_1c for entry in await SyncLogEntry.all()) == sorted(f"c{n}" for n in range(30))


async def test_one_entry_the_database_refuses_does_not_lose_the_others_of_its_batch(
    database: None, caplog: pytest.LogCaptureFixture
) -> None:
    log = SyncLog(timedelta(days=30), interval=60)
    log.start()
    await log.write(record(1), status=200, error=None, duration_ms=1)
    await log.write(record(2, summary={"value": object()}), status=200, error=None, duration_ms=1)  # not JSON
    await log.write(record(3), status=200, error=None, duration_ms=1)
    with caplog.at_level(logging.ERROR, logger="amo1c.synclog"):
        await log.close()
    assert sorted(entry.id_1c for entry in await SyncLogEntry.all()) == ["c1", "c3"]
    assert any("could not write a sync log entry" in item.getMessage() for item in caplog.records)


async def test_a_buffer_that_does_not_run_writes_at_once_and_holds_nothing() -> None:
    batches: list[list[int]] = []

    async def write(items: list[int]) -> None:
        batches.append(items)

    buffer = LogBuffer(write, capacity=2, interval=0.05)
    await buffer.add(1)
    assert batches == [[1]] and len(buffer) == 0
    buffer.start()
    await buffer.add(2)
    await buffer.add(3)
    await buffer.add(4)  # full: the caller writes [2, 3] first
    assert batches == [[1], [2, 3]] and len(buffer) == 1
    await asyncio.sleep(0.15)
    assert batches == [[1], [2, 3], [4]]
    await buffer.close()
    with pytest.raises(ValueError):
        LogBuffer(write, capacity=0, interval=1)


async def test_the_app_stores_a_call_s_entry_when_it_shuts_down(settings: Settings, fake_amocrm: FakeAmoCRM) -> None:
    async with amo1c_over_fakes(settings, fake_amocrm) as app, client_of(app) as client:
        account = await install_account(fake_amocrm, settings)
        await link_base(client, account.id)
        app.state.domain.sync_log._buffer.interval = 60  # nothing is stored by the timer while the app runs
        body = {"key": account.id, "id_base": "trade", "id_1c": "c-1", "name": "Анна"}
        answer = await client.post("/sync/clients_contacts", json=body, headers=BASE_AUTH)
        assert answer.status_code == 200
        assert not await SyncLogEntry.filter(operation="clients_contacts").exists()
    await db.open_database(settings.database_url)
    try:
        entry = await SyncLogEntry.get(operation="clients_contacts")
        assert entry.id_1c == "c-1" and entry.amo_id == answer.json()["data"]
    finally:
        await db.close_database()


async def test_the_settings_page_lists_the_calls_this_worker_still_buffers(
    settings: Settings, fake_amocrm: FakeAmoCRM
) -> None:
    async with amo1c_over_fakes(settings, fake_amocrm) as app, client_of(app) as client:
        account = await install_account(fake_amocrm, settings)
        await link_base(client, account.id)
        app.state.domain.sync_log._buffer.interval = 60
        body = {"key": account.id, "id_base": "trade", "id_1c": "c-77", "name": "Анна"}
        assert (await client.post("/sync/clients_contacts", json=body, headers=BASE_AUTH)).status_code == 200
        page = await app.state.domain.workspace(account.id).log.page(LogFilter())
        assert [entry.id_1c for entry in page.entries if entry.operation == "clients_contacts"] == ["c-77"]
