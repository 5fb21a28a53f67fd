from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from backend import db
from backend.models import Direction, SyncLogEntry
from backend.sync.log import LogRecord, SyncLog, mask


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[None]:
    await db.open_database(database_url)
    yield
    await db.close_database()


def test_mask_hides_secrets_and_shortens_bulk() -> None:
    masked = mask(
        {
            "key": 1,
            "param2": "пароль",
            "nested": {"Password": "x", "token": "t", "ok": "y" * 1000},
            "handlers": {"module": "z" * 5000},
            "items": list(range(100)),
        }
    )
    assert masked["param2"] == "***"
    assert masked["nested"]["Password"] == "***" and masked["nested"]["token"] == "***"
    assert len(masked["nested"]["ok"]) < 400
    assert masked["handlers"].startswith("<") and "z" not in masked["handlers"]
    assert len(masked["items"]) == 31
    assert "пароль" not in repr(masked)


async def test_sync_log_prunes_entries_older_than_the_retention(database: None) -> None:
    log = SyncLog(timedelta(days=30))
    await log.write(LogRecord(Direction.FROM_1C, "leads", account_id=1), status=200, error=None, duration_ms=5)
    old = await SyncLogEntry.create(
        direction=Direction.FROM_1C, operation="leads", outcome="ok", http_status=200, duration_ms=1
    )
    await SyncLogEntry.filter(id=old.id).update(created_at=datetime.now(UTC) - timedelta(days=31))
    assert await log.prune() == 1
    assert await SyncLogEntry.all().count() == 1


async def test_sync_log_write_clips_what_is_longer_than_its_column(database: None) -> None:
    log = SyncLog(timedelta(days=30))
    await log.write(LogRecord(Direction.FROM_1C, "x" * 500), status=500, error="boom", duration_ms=1)
    entry = await SyncLogEntry.get()
    assert entry.operation == "x" * 64 and entry.error == "boom"


async def test_sync_log_write_that_fails_is_logged_not_raised(database: None, caplog: pytest.LogCaptureFixture) -> None:
    log = SyncLog(timedelta(days=30))
    unstorable = LogRecord(Direction.FROM_1C, "base", summary={"value": object()})  # not JSON: the insert fails
    with caplog.at_level(logging.ERROR, logger="amo1c.synclog"):
        await log.write(unstorable, status=200, error=None, duration_ms=1)
    assert await SyncLogEntry.all().count() == 0
    assert any("could not write a sync log entry for base" in record.getMessage() for record in caplog.records)


async def test_sync_log_keeps_entries_with_nul_characters_and_overlong_ids(database: None) -> None:
    log = SyncLog(timedelta(days=30))
    record = LogRecord(Direction.TO_1C, "new_lead", id_base="b\x00", id_1c="1" * 150, summary={"k\x00": ["v\x00"]})
    await log.write(record, status=200, error="e\x00", duration_ms=1)
    entry = await SyncLogEntry.get()
    assert entry.id_base == "b\ufffd" and entry.id_1c == "1" * 100 and entry.error == "e\ufffd"
    assert entry.request_summary == {"k\ufffd": ["v\ufffd"]}


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyOTM4NDc1NiJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi0xMjM0NTY"
GUID = "2b5c4f1e-3a4b-11ee-8c90-0242ac120002"


def test_mask_hides_credentials_and_tokens_inside_strings_and_keeps_guids() -> None:
    masked = mask({"note": f"Authorization: Bearer {JWT}", "id_1c": GUID, "list": [f"Basic dXNlcjpwYXNz {GUID}"]})
    assert masked == {"note": "Authorization: Bearer ***", "id_1c": GUID, "list": [f"Basic *** {GUID}"]}


async def test_sync_log_stores_errors_with_credentials_and_tokens_masked(database: None) -> None:
    log = SyncLog(timedelta(days=30))
    error = f"1С ответила ошибкой 500: Authorization: Basic dXNlcjpwYXNz; amoCRM: bearer {JWT}; объект {GUID}"
    await log.write(LogRecord(Direction.TO_1C, "new_lead", account_id=1), status=500, error=error, duration_ms=1)
    entry = await SyncLogEntry.get()
    assert entry.error == f"1С ответила ошибкой 500: Authorization: Basic ***; amoCRM: bearer ***; объект {GUID}"
