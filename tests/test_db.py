"""The database configuration: PostgreSQL's pooled connections are handed on without asyncpg's reset round trip
(issue 14), which is only sound while amo1c leaves no session state on them — these tests keep it so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tortoise import Tortoise

from backend import db

BACKEND = Path(__file__).resolve().parent.parent / "backend"
# What would outlive a pooled connection's user: session advisory locks, LISTEN, session settings, held cursors.
SESSION_STATE = re.compile(
    r"pg_advisory_lock|pg_try_advisory_lock\(|pg_advisory_lock_shared|(?-i:\bLISTEN\b)|\bSET\s+SESSION\b|"
    r"set_config\(|WITH\s+HOLD|(?:^|[;'\"]\s*)SET\s+(?!LOCAL\b)[a-z_]+\s*(?:=|TO\b)",
    re.IGNORECASE | re.MULTILINE,
)
OWN_CONNECTIONS = {"store/locks.py"}  # advisory locks on connections opened for them, never the pool's


def test_no_code_leaves_session_state_on_a_pooled_connection() -> None:
    found = [
        f"{path.relative_to(BACKEND)}: {match.group(0)!r}"
        for path in BACKEND.rglob("*.py")
        if "migrations" not in path.parts and "fakes" not in path.parts
        and str(path.relative_to(BACKEND)) not in OWN_CONNECTIONS
        for match in SESSION_STATE.finditer(path.read_text(encoding="utf-8"))
    ]  # fmt: skip
    assert found == [], "session state on a pooled connection needs asyncpg's reset back (db.keep_session)"


def test_the_pattern_knows_session_state_from_an_update() -> None:
    assert SESSION_STATE.search("SELECT pg_advisory_lock($1, $2)")
    assert SESSION_STATE.search('await connection.execute("SET search_path = x")')
    assert not SESSION_STATE.search('UPDATE "outbox_intent" SET "state" = \'sending\'')
    assert not SESSION_STATE.search("SELECT pg_advisory_xact_lock($1)")


def test_sqlite_gets_the_reading_engine_and_postgres_the_pools_reset() -> None:
    sqlite = db.tortoise_config("sqlite://var/x.sqlite3")["connections"]["default"]
    assert sqlite["engine"] == "backend.sqlite_reads" and sqlite["credentials"]["file_path"] == "var/x.sqlite3"
    config = db.tortoise_config("postgresql://u:p@db.internal:5433/amo1c?maxsize=9")["connections"]["default"]
    assert config["engine"] == "tortoise.backends.asyncpg"
    assert config["credentials"]["reset"] is db.keep_session and config["credentials"]["maxsize"] == "9"
    assert (config["credentials"]["host"], config["credentials"]["port"]) == ("db.internal", 5433)


@pytest.mark.postgres
async def test_a_transaction_left_open_is_still_rolled_back_before_the_next_user(postgres_database_url: str) -> None:
    await db.open_database(postgres_database_url)
    try:
        client = Tortoise.get_connection("default")
        await client.execute_query("SELECT 1")  # the pool exists from the first query on
        pool = client._pool
        assert pool is not None and pool._reset is db.keep_session and pool._maxsize == 5
        async with pool.acquire() as connection:
            await connection.execute("BEGIN")
            await connection.execute('CREATE TEMPORARY TABLE "left_open" ("n" int) ON COMMIT DROP')
        for _ in range(pool._maxsize):  # whichever connection comes next
            async with pool.acquire() as connection:
                assert not connection.is_in_transaction()
                assert await connection.fetchval("SELECT to_regclass('pg_temp.left_open')") is None
    finally:
        await db.close_database()
