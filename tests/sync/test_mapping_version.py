"""A base's correspondence rows are cached per worker under the base's mapping_version (issue 14): the database bumps
the version with every change of the rows, whoever makes it, so no worker keeps using rows that changed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend import db
from backend.models import Account, FieldMapping, MappingKind, OneCBase
from backend.sync.directory import FieldDirectory
from backend.sync.mapping import MappingRow, add_row, change_row, replace_rows


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[None]:
    await db.open_database(database_url)
    yield
    await db.close_database()


async def new_base(id_base: str, **fields: object) -> OneCBase:
    if not await Account.exists(id=1):
        await Account.create(id=1, subdomain="shop")
    return await OneCBase.create(
        account_id=1, id_base=id_base, web_address="http://1c.test/hs", url_address="http://1c.test", param1="u",
        param2_enc="x", **fields,
    )  # fmt: skip


async def version(base: OneCBase) -> int:
    return (await OneCBase.get(id=base.id)).mapping_version


async def fresh(base: OneCBase) -> OneCBase:
    return await OneCBase.get(id=base.id)


def names(rows: tuple[FieldMapping, ...]) -> list[str]:
    return [row.onec_field for row in rows]


async def test_every_change_of_a_bases_rows_bumps_its_version_and_no_other_bases(database: None) -> None:
    base, other = await new_base("trade"), await new_base("other")
    seen = [await version(base)]

    async def bumped() -> None:
        now = await version(base)
        assert now > seen[-1], "a change of the rows left the version as it was"
        seen.append(now)

    await replace_rows(base, MappingKind.CONTACT, [MappingRow(1, "ИНН"), MappingRow(2, "КПП")])
    await bumped()
    added = await add_row(base, MappingKind.CONTACT, MappingRow(3, "Адрес"))
    await bumped()
    await change_row(added, MappingRow(3, "Адрес доставки"))
    await bumped()
    await FieldMapping.filter(id=added.id).update(enabled=False)  # any writer, not only sync/mapping.py
    await bumped()
    await added.delete()  # the settings page's delete
    await bumped()
    lead_row = FieldMapping(base_id=base.id, kind=MappingKind.LEAD, amo_field_id=9, onec_field="Z")
    await FieldMapping.bulk_create([lead_row])
    await bumped()
    await FieldMapping.create(base_id=base.id, kind=MappingKind.USER, amo_field_id=5, onec_field="Менеджер")
    await bumped()
    moved = await FieldMapping.create(base_id=other.id, kind=MappingKind.USER, amo_field_id=6, onec_field="M")
    other_before = await version(other)
    await FieldMapping.filter(id=moved.id).update(base_id=base.id)  # a row moved between bases changes both
    await bumped()
    assert await version(other) > other_before
    await replace_rows(base, MappingKind.COMPANY, [])  # nothing to delete or add: nothing changed
    unrelated = await version(other)
    await replace_rows(base, MappingKind.CONTACT, [MappingRow(7, "Телефон")])
    await bumped()
    assert await version(other) == unrelated


async def test_a_base_with_rows_is_still_unlinked_with_them(database: None) -> None:
    base = await new_base("trade")
    await replace_rows(base, MappingKind.CONTACT, [MappingRow(1, "ИНН")])
    await base.delete()
    assert not await FieldMapping.exists() and not await OneCBase.exists()


async def test_a_worker_reads_rows_again_only_when_the_version_it_reads_with_the_base_changed(database: None) -> None:
    base = await new_base("trade")
    await replace_rows(base, MappingKind.CONTACT, [MappingRow(1, "ИНН")])
    directory = FieldDirectory()
    read = await fresh(base)
    assert names(await directory.rows(read, MappingKind.CONTACT)) == ["ИНН"]
    await FieldMapping.filter(base_id=base.id).delete()
    await FieldMapping.create(base_id=base.id, kind=MappingKind.CONTACT, amo_field_id=2, onec_field="КПП")
    assert names(await directory.rows(read, MappingKind.CONTACT)) == ["ИНН"]  # the version read before the change
    assert names(await directory.rows(await fresh(base), MappingKind.CONTACT)) == ["КПП"]
    assert names(await directory.rows(await fresh(base), MappingKind.LEAD)) == []


async def test_two_workers_both_see_a_change_made_through_either(database: None) -> None:
    base = await new_base("trade")
    await replace_rows(base, MappingKind.CONTACT, [MappingRow(1, "ИНН")])
    first, second = FieldDirectory(), FieldDirectory()
    for directory in (first, second):
        assert names(await directory.rows(await fresh(base), MappingKind.CONTACT)) == ["ИНН"]
    await replace_rows(await fresh(base), MappingKind.CONTACT, [MappingRow(1, "ИНН/КПП")])
    for directory in (first, second):
        assert names(await directory.rows(await fresh(base), MappingKind.CONTACT)) == ["ИНН/КПП"]


async def test_a_new_base_under_a_deleted_ones_id_does_not_get_its_rows(database: None) -> None:
    gone = await new_base("trade")
    await FieldMapping.create(base_id=gone.id, kind=MappingKind.CONTACT, amo_field_id=1, onec_field="Старое")
    directory = FieldDirectory()
    assert names(await directory.rows(await fresh(gone), MappingKind.CONTACT)) == ["Старое"]
    await gone.delete()
    reborn = await new_base("trade", id=gone.id)  # SQLite may hand out a deleted row's id again
    await FieldMapping.create(base_id=reborn.id, kind=MappingKind.CONTACT, amo_field_id=2, onec_field="Новое")
    assert names(await directory.rows(await fresh(reborn), MappingKind.CONTACT)) == ["Новое"]


async def test_a_worker_keeps_the_rows_of_a_bounded_number_of_bases(database: None) -> None:
    directory = FieldDirectory(cached_tables=2)
    bases = [await new_base(f"b{n}") for n in range(4)]
    for base in bases:
        await FieldMapping.create(base_id=base.id, kind=MappingKind.CONTACT, amo_field_id=1, onec_field=base.id_base)
        assert names(await directory.rows(await fresh(base), MappingKind.CONTACT)) == [base.id_base]
    assert len(directory._tables) == 2
