"""SQLite's second connection for the per-call reads (issue 14): it sees every committed write at once, never stands
in for a transaction's own connection, and hands a read it cannot answer at once back to the usual way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from backend import db
from backend.models import Account
from backend.sqlite_reads import ReadingSqliteClient
from backend.sync.statements import Statement
from tests import conftest

pytestmark = pytest.mark.skipif(conftest.testing_on_postgres(), reason="SQLite's own engine")
ACCOUNTS = Statement('SELECT "id", "subdomain" FROM "account" WHERE "id" >= $1 ORDER BY "id"')


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[ReadingSqliteClient]:
    await db.open_database(database_url)
    client = get_connection("default")
    assert isinstance(client, ReadingSqliteClient)
    await client.execute_query("SELECT 1")  # the connections open with the first query
    yield client
    await db.close_database()


async def test_a_read_sees_what_was_just_committed_through_the_other_connection(database: ReadingSqliteClient) -> None:
    read: list[object] = []
    original = database.read_now

    def counted(query: str, values: object) -> object:
        read.append(query)
        return original(query, values)  # type: ignore[arg-type]

    database.read_now = counted  # type: ignore[method-assign]
    await Account.create(id=1, subdomain="one")
    assert await ACCOUNTS.rows(0) == [{"id": 1, "subdomain": "one"}]
    await Account.filter(id=1).update(subdomain="uno")
    assert await ACCOUNTS.rows(0) == [{"id": 1, "subdomain": "uno"}]
    assert len(read) == 2  # both answered by the reader


async def test_inside_a_transaction_a_read_sees_its_own_writes(database: ReadingSqliteClient) -> None:
    async with in_transaction():
        await Account.create(id=2, subdomain="two")
        assert await ACCOUNTS.rows(0) == [{"id": 2, "subdomain": "two"}]  # not yet committed: the reader cannot see it
        assert database.read_now('SELECT "id" FROM "account"', ()) == []


async def test_a_read_the_reader_cannot_answer_goes_the_usual_way(database: ReadingSqliteClient) -> None:
    await Account.create(id=3, subdomain="three")
    assert database._reader is not None
    database._reader.close()  # any sqlite3 error: "database is locked", a closed connection
    assert database.read_now('SELECT "id" FROM "account"', ()) is None
    assert await ACCOUNTS.rows(3) == [{"id": 3, "subdomain": "three"}]


async def test_the_reader_only_reads(database: ReadingSqliteClient) -> None:
    assert database.read_now("DELETE FROM account", ()) is None  # query_only: refused, and the usual way decides


async def test_an_in_memory_database_gets_no_reader(tmp_path: Path) -> None:
    client = ReadingSqliteClient(":memory:", connection_name="memory")
    await client.create_connection(with_db=True)
    try:
        assert client._reader is None and client.read_now("SELECT 1", ()) is None
    finally:
        await client.close()
