"""The correspondence table's row limit as the domain keeps it, whoever writes: one rule, also under races."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from backend import db
from backend.models import Account, FieldMapping, MappingKind, OneCBase
from backend.sync.errors import TooMany
from backend.sync.mapping import MAX_MAPPING_ROWS, MappingRow, add_row, enabled_rows, listed_rows, replace_rows
from tests.factories import store_mapping_rows

CONTACT = MappingKind.CONTACT


@pytest.fixture
async def base(database_url: str) -> AsyncIterator[OneCBase]:
    await db.open_database(database_url)
    account = await Account.create(id=31000001, subdomain="shop")
    yield await OneCBase.create(
        account=account, id_base="trade", web_address="http://1c.test/hs", url_address="http://1c.test",
        param1="Обмен", param2_enc="-",
    )  # fmt: skip
    await db.close_database()


def contact_rows(count: int, first_id: int) -> list[MappingRow]:
    return [MappingRow(first_id + n, f"Поле{n}") for n in range(count)]


async def test_replacing_with_more_rows_than_the_limit_raises_and_keeps_the_table(base: OneCBase) -> None:
    await store_mapping_rows(base, 3)
    with pytest.raises(TooMany) as refused:
        await replace_rows(base, CONTACT, contact_rows(MAX_MAPPING_ROWS + 1, 100))
    assert refused.value.limit == MAX_MAPPING_ROWS
    assert await FieldMapping.filter(base_id=base.id).count() == 3
    assert await replace_rows(base, CONTACT, contact_rows(MAX_MAPPING_ROWS, 100)) == MAX_MAPPING_ROWS


async def test_adds_racing_for_the_last_place_store_one(base: OneCBase) -> None:
    await store_mapping_rows(base, MAX_MAPPING_ROWS - 1)
    for attempt in range(5):  # on PostgreSQL the later rounds race on the pool connections the first one opened
        adds = [add_row(base, CONTACT, row) for row in contact_rows(10, 20_000_000)]
        outcomes = await asyncio.gather(*adds, return_exceptions=True)
        assert sum(not isinstance(outcome, BaseException) for outcome in outcomes) == 1, attempt
        assert all(isinstance(outcome, TooMany) for outcome in outcomes if isinstance(outcome, BaseException))
        assert await FieldMapping.filter(base_id=base.id).count() == MAX_MAPPING_ROWS
        await FieldMapping.filter(amo_field_id__gte=20_000_000).delete()


async def test_a_table_stored_before_the_limit_is_read_only_up_to_it(base: OneCBase) -> None:
    await store_mapping_rows(base, MAX_MAPPING_ROWS + 100)
    assert len(await enabled_rows(base, CONTACT)) == MAX_MAPPING_ROWS
    listed, total = await listed_rows(base, CONTACT)
    assert len(listed) == MAX_MAPPING_ROWS and total == MAX_MAPPING_ROWS + 100
    assert [row.amo_field_id for row in listed] == list(range(1, MAX_MAPPING_ROWS + 1))
