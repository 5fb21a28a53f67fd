"""The sync log: one entry per call between 1C and amo1c, with secrets masked and old entries pruned."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from backend.models import Direction, Outcome, RefusedCalls, SyncLogEntry
from backend.redaction import redact
from backend.request_context import current_request_id
from backend.sync.log_buffer import LogBuffer
from backend.sync.statements import Statement

logger = logging.getLogger("amo1c.synclog")

SECRET_KEYS = frozenset(
    {"param2", "password", "pass", "access_token", "refresh_token", "client_secret", "secret", "token", "authorization"}
)
BULKY_KEYS = frozenset({"handlers"})
MAX_TEXT = 300
MAX_ITEMS = 30
MAX_DEPTH = 4
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
PRUNE_EVERY = 200  # writes between two prunes in one process
BUFFER_CAPACITY = 1000  # entries waiting to be stored at most; a call finding it full stores them itself
FLUSH_INTERVAL = 0.2  # seconds an entry waits in the buffer at most
# A summary key no 1C body has: the path of a call served as another operation (an order on 2.4's path)
RECEIVED_AT = "amo1c: получено по адресу"


def mask(value: Any, depth: int = 0) -> Any:
    """A copy of a request body safe to store: secret keys' values and credential- or token-shaped text
    (backend.redaction) replaced by ***, long text and lists shortened, NUL characters (which PostgreSQL cannot
    store) replaced by U+FFFD."""
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            return "{…}"
        masked: dict[str, Any] = {}
        for key, item in list(value.items())[:MAX_ITEMS]:
            name = storable(redact(str(key)))
            lowered = name.lower()
            if lowered in SECRET_KEYS:
                masked[name] = "***"
            elif lowered in BULKY_KEYS:
                masked[name] = f"<{len(repr(item))} символов>"
            else:
                masked[name] = mask(item, depth + 1)
        if len(value) > MAX_ITEMS:
            masked["…"] = f"ещё {len(value) - MAX_ITEMS} полей"
        return masked
    if isinstance(value, list):
        items = [mask(item, depth + 1) for item in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            items.append(f"… ещё {len(value) - MAX_ITEMS}")
        return items
    if isinstance(value, str):
        text = redact(value)
        return storable(text[:MAX_TEXT] + "…" if len(text) > MAX_TEXT else text)
    return value


def masked_error(error: str) -> str:
    """An entry's error safe to store or show: credentials and tokens masked (also in rows older than masking)."""
    return redact(error)


def storable(text: str) -> str:
    """`text` with NUL characters (PostgreSQL refuses them in text and JSON columns) and unpaired surrogates (no
    database can encode them) replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def _column(text: str | None, max_length: int | None) -> str | None:
    # What 1C answered can be longer than the column (PostgreSQL enforces varchar lengths, SQLite does not).
    return None if text is None else storable(text[:max_length])


@dataclass
class LogRecord:
    """What is known about a call by the time it ends; filled in as the call goes."""

    direction: Direction
    operation: str
    account_id: int | None = None
    id_base: str | None = None
    amo_id: int | None = None
    id_1c: str | None = None
    summary: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    received_at: str | None = None  # the path a call served as another operation really came by
    # the request the call was made in (its X-Request-ID); None for a background round's call
    request_id: str | None = field(default_factory=current_request_id)

    def served_as(self, operation: str, received_at: str) -> None:
        """Log the call as `operation`, its stored summary saying (under RECEIVED_AT) the path it really came by."""
        self.operation = operation
        self.received_at = received_at

    def stored_summary(self) -> Any:
        """The summary as stored: masked, RECEIVED_AT first when the call was served as another operation (a key
        of that name in 1C's own body is dropped, so only amo1c can say where a call came by)."""
        if self.summary is None:
            return None
        summary = mask(self.summary)
        if not isinstance(summary, dict):
            return summary
        summary.pop(RECEIVED_AT, None)
        return summary if self.received_at is None else {RECEIVED_AT: self.received_at, **summary}


def received_at(summary: Any) -> str | None:
    """The path a logged call really came by when it was served as another operation (see LogRecord.served_as)."""
    path = summary.get(RECEIVED_AT) if isinstance(summary, dict) else None
    return path if isinstance(path, str) else None


@dataclass(frozen=True)
class _Finished:
    """A call's record as it ended, waiting in the buffer to be stored."""

    record: LogRecord
    status: int | None
    error: str | None
    duration_ms: int
    created_at: datetime


class SyncLog:
    """Writes sync log entries and prunes those older than the retention period; never raises.

    Between `start()` and `close()` (the app's lifespan) entries wait in a bounded buffer and are stored together,
    in one statement, at most FLUSH_INTERVAL seconds after the first of them ended; a call that finds the buffer
    full stores it itself before it answers. Before `start()` every entry is stored at once.
    """

    def __init__(
        self, retention: timedelta, *, capacity: int = BUFFER_CAPACITY, interval: float = FLUSH_INTERVAL
    ) -> None:
        self.retention = retention
        self._writes = 0
        self._buffer: LogBuffer[_Finished] = LogBuffer(self._store, capacity=capacity, interval=interval)

    def start(self) -> None:
        """Gather entries and store them in batches from now on (in the running event loop)."""
        self._buffer.start()

    async def close(self) -> None:
        """Store every waiting entry and go back to storing each at once; raises nothing."""
        await self._buffer.close()

    async def flush(self) -> None:
        """Store every waiting entry now (a page about to list the log shows this worker's latest calls)."""
        await self._buffer.flush()

    async def write(self, record: LogRecord, *, status: int | None, error: str | None, duration_ms: int) -> None:
        """Store one entry (now, or with the next batch); a failure to store is itself logged and swallowed, never
        failing the call."""
        await self._buffer.add(_Finished(record, status, error, duration_ms, datetime.now(UTC)))

    async def _store(self, finished: list[_Finished]) -> None:
        rows = []
        for item in finished:
            try:
                rows.append(_row(item))
            except Exception:
                logger.exception("could not write a sync log entry for %s", item.record.operation)
        try:
            await _INSERT.run_many(rows)
        except Exception:  # one entry the database refuses must not take the others with it
            for row in rows:
                try:
                    await _INSERT.run_many([row])
                except Exception:
                    logger.exception("could not write a sync log entry for %s", row[4])
        before, self._writes = self._writes, self._writes + len(rows)
        if rows and (before == 0 or before // PRUNE_EVERY != self._writes // PRUNE_EVERY):
            try:
                await self.prune()
            except Exception:
                logger.exception("could not prune the sync log")

    async def count_refused(self, record: LogRecord, *, status: int, error: str, client: str) -> None:
        """Count a refused unauthenticated call in its base's one entry of the hour, so a stranger's thousands of
        attempts never bury the account's real entries; never raises."""
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        if record.account_id is None:
            return
        scope: dict[str, Any] = {
            "account_id": record.account_id,
            "id_base": _column(record.id_base, 100) or "",
            "hour": hour,
        }
        summary = {"client_address": storable(client[:64])}
        try:
            counter = await RefusedCalls.get_or_none(**scope)
            if counter is None:
                entry = await SyncLogEntry.create(
                    account_id=record.account_id,
                    id_base=scope["id_base"] or None,
                    direction=record.direction,
                    operation=_column(record.operation, 64) or "",
                    outcome=Outcome.ERROR,
                    http_status=status,
                    error=_column(masked_error(error), None),
                    request_summary=summary,
                    request_id=record.request_id,
                )
                try:
                    await RefusedCalls.create(entry=entry, **scope)
                    return
                except IntegrityError:  # another worker counted the hour's first refusal a moment ago
                    await entry.delete()
                    counter = await RefusedCalls.get(**scope)
            await SyncLogEntry.filter(id=counter.entry_id).update(
                count=F("count") + 1,
                http_status=status,
                error=_column(masked_error(error), None),
                request_summary=summary,
                request_id=record.request_id,
            )
        except Exception:
            logger.exception("could not count a refused call of %s", record.operation)

    async def prune(self, now: datetime | None = None) -> int:
        """Delete entries older than the retention period; returns how many."""
        cutoff = (now or datetime.now(UTC)) - self.retention
        return await SyncLogEntry.filter(created_at__lt=cutoff).delete()


# The columns of a sync log entry in the order _row gives them (one prepared statement for every batch).
_INSERT = Statement(
    'INSERT INTO "sync_log" ("created_at", "account_id", "id_base", "direction", "operation", "amo_id", "id_1c", '
    '"outcome", "http_status", "error", "duration_ms", "count", "request_summary", "request_id") '
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13)"
)


def _row(finished: _Finished) -> tuple[Any, ...]:
    """The values of a finished call's entry, its text clipped to the columns and its secrets masked; raises
    TypeError (ValueError) for a summary that is not JSON."""
    record, error = finished.record, finished.error
    summary = record.stored_summary()
    return (
        finished.created_at,
        record.account_id,
        _column(record.id_base, 100),
        Direction(record.direction).value,
        _column(record.operation, 64) or "",
        record.amo_id,
        _column(record.id_1c, 100),
        (Outcome.OK if error is None else Outcome.ERROR).value,
        finished.status,
        _column(None if error is None else masked_error(error), None),
        finished.duration_ms,
        None if summary is None else json.dumps(summary, ensure_ascii=False, separators=(",", ":")),
        record.request_id,
    )
