"""PostgreSQL advisory locks: a section that runs in one worker (or host) at a time for a key, such as an account.

Each held lock has a connection of its own, opened for it and closed after (closing the session releases the lock,
also when a worker dies). It is never taken from the application's pool: a task holding a pooled connection while
it waits for another one to load or save could starve the pool when several accounts refresh at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from backend import db

CONNECT_TIMEOUT = 10.0
INT32 = 2**32


class LockUnavailable(Exception):
    """The lock could not be taken: the database is unreachable, or another holder kept it past the timeout."""


class AdvisoryLocks:
    """Session advisory locks `pg_advisory_lock(namespace, key)` on the database at a postgres:// URL.

    `namespace` keeps one kind of lock apart from another; keys beyond 32 bits fold onto 32 bits (two keys that
    share a lock then only wait for each other). Waiting longer than `timeout` seconds raises LockUnavailable.
    """

    def __init__(self, database_url: str, namespace: int, *, timeout: float = 60.0) -> None:
        self._connect_args = db.postgres_connect_args(database_url)
        self._namespace = namespace
        self._timeout = timeout

    @contextlib.asynccontextmanager
    async def hold(self, key: int) -> AsyncIterator[None]:
        """Hold the lock of `key` for the duration of the block; raises LockUnavailable."""
        connection = await self._connect()
        try:
            try:
                await connection.execute("SELECT pg_advisory_lock($1, $2)", self._namespace, _int32(key))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                raise LockUnavailable(f"lock {self._namespace}/{key} not taken: {exc}") from exc
            yield
        finally:
            await _close(connection)

    async def _connect(self) -> Any:
        settings = {"application_name": "amo1c lock", "lock_timeout": str(int(self._timeout * 1000))}
        try:
            return await asyncpg.connect(**self._connect_args, timeout=CONNECT_TIMEOUT, server_settings=settings)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise LockUnavailable(f"cannot connect to take lock {self._namespace}: {exc}") from exc


async def _close(connection: Any) -> None:
    """End the lock's session (which releases the lock); a cancelled or failed close drops the socket instead."""
    try:
        await connection.close(timeout=5)
    except Exception:
        connection.terminate()
    except BaseException:
        connection.terminate()
        raise


def _int32(key: int) -> int:
    return (key + INT32 // 2) % INT32 - INT32 // 2
