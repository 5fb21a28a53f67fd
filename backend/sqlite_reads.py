"""Tortoise's SQLite engine with a second connection for reads that need not wait (`engine` of db.tortoise_config).

aiosqlite runs every statement on a thread of its own: reading one row by its key costs far more in handing the
statement to that thread and the rows back than in SQLite itself. The sync API's per-call reads (sync/statements.py)
run instead on a second connection, right in the event loop's thread, when SQLite can answer them at once: the
database is in WAL mode, where a reader sees what was committed and never waits for a writer; when SQLite would
make it wait all the same (busy_timeout 0: "database is locked" at once) or fails in any way, the read goes the usual
way. It is never used inside a transaction (whose own writes are on the other connection): Tortoise hands out a
transaction's connection there, which has no `read_now`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from tortoise.backends.sqlite.client import SqliteClient

IN_MEMORY = ("", ":memory:")  # a second connection to these would be another, empty database


class ReadingSqliteClient(SqliteClient):
    """SqliteClient plus `read_now`, a read on a second, query-only connection that never waits."""

    def __init__(self, file_path: str, **kwargs: Any) -> None:
        super().__init__(file_path, **kwargs)
        self._reader: sqlite3.Connection | None = None

    async def create_connection(self, with_db: bool) -> None:
        """Open the usual connection, then the reader (not for an in-memory database)."""
        await super().create_connection(with_db)
        if self._reader is None and self.filename not in IN_MEMORY and not self.filename.startswith("file::memory:"):
            reader = sqlite3.connect(self.filename, timeout=0, isolation_level=None, check_same_thread=False)
            reader.row_factory = sqlite3.Row
            reader.execute("PRAGMA query_only = 1")
            self._reader = reader

    async def close(self) -> None:
        """Close the reader and the usual connection."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
        await super().close()

    def read_now(self, query: str, values: Sequence[Any]) -> list[dict[str, Any]] | None:
        """The rows of `query` (`?`/`?N` parameters) if SQLite answers it without waiting, else None: then the caller
        reads the usual way (execute_query_dict), which waits and raises Tortoise's errors."""
        reader = self._reader
        if reader is None:
            return None
        try:
            return [dict(row) for row in reader.execute(query, values).fetchall()]
        except sqlite3.Error:
            return None


client_class = ReadingSqliteClient
