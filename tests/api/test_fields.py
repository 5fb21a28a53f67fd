"""Sync API 2.7 (*_save_fields) through HTTP: rows per entity kind, replace semantics, every accepted form, amoCRM
field ids checked against the account."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models import FieldMapping, MappingKind, OneCBase
from backend.sync.directory import ENTITY_OF_KIND
from backend.sync.mapping import MAX_MAPPING_ROWS
from tests.api.conftest import World
from tests.factories import BASE_LOGIN, basic, link_base

ENDPOINTS = [
    ("/sync/clients_contacts_save_fields", MappingKind.CONTACT),
    ("/sync/clients_companies_save_fields", MappingKind.COMPANY),
    ("/sync/leads_save_fields", MappingKind.LEAD),
]
by_endpoint = pytest.mark.parametrize(("path", "kind"), ENDPOINTS, ids=[kind.value for _, kind in ENDPOINTS])


def body(world: World, id_base: str = "trade", **fields: Any) -> dict[str, Any]:
    return {"key": world.account.id, "id_base": id_base, **fields}


def amo_fields(world: World, kind: MappingKind, count: int) -> list[int]:
    """Ids of `count` new text fields of the kind's entity in the fake amoCRM account."""
    specs = [{"name": f"Поле {n}", "type": "text"} for n in range(count)]
    return [item.id for item in world.fake.add_custom_fields(world.account.id, ENTITY_OF_KIND[kind], specs)]


async def rows(world: World, kind: MappingKind, id_base: str = "trade") -> dict[int, tuple[str, str, bool]]:
    """amo field id → (1C field, amo field name, enabled) of the stored rows."""
    found = await FieldMapping.filter(base__account_id=world.account.id, base__id_base=id_base, kind=kind)
    return {int(row.amo_field_id): (row.onec_field, row.amo_field_name, row.enabled) for row in found}


@by_endpoint
async def test_save_fields_stores_rows_of_its_entity_only(world: World, path: str, kind: MappingKind) -> None:
    inn, kpp = amo_fields(world, kind, 2)
    response = await world.post(path, body(world, **{f"p_{inn}": "ИНН", f"p_{kpp}": "КПП"}))
    assert response.json() == {"success": True, "data": None, "error": None}
    assert await rows(world, kind) == {inn: ("ИНН", "", True), kpp: ("КПП", "", True)}
    for other in MappingKind:
        if other != kind:
            assert await rows(world, other) == {}


@by_endpoint
async def test_save_fields_second_call_replaces_and_empty_body_removes_all(
    world: World, path: str, kind: MappingKind
) -> None:
    inn, kpp, address = amo_fields(world, kind, 3)
    await world.post(path, body(world, **{f"p_{inn}": "ИНН", f"p_{kpp}": "КПП"}))
    await world.post(path, body(world, **{f"p_{address}": "Адрес", f"p_{inn}": "ИНН организации"}))
    assert await rows(world, kind) == {inn: ("ИНН организации", "", True), address: ("Адрес", "", True)}
    calls = world.api_calls()
    assert (await world.post(path, body(world))).status_code == 200
    assert await rows(world, kind) == {}
    assert world.api_calls() == calls  # nothing to check: amoCRM is not asked


async def test_save_fields_replaces_only_its_own_entity_and_base(world: World) -> None:
    await link_base(world.client, world.account.id, "склад")
    contacts, companies = ENDPOINTS[0][0], ENDPOINTS[1][0]
    phone, email = amo_fields(world, MappingKind.CONTACT, 2)
    [inn] = amo_fields(world, MappingKind.COMPANY, 1)
    await world.post(contacts, body(world, **{f"p_{phone}": "Телефон"}))
    await world.post(contacts, body(world, "склад", **{f"p_{phone}": "Телефон склада"}))
    await world.post(companies, body(world, **{f"p_{inn}": "ИНН"}))
    await world.post(contacts, body(world, **{f"p_{email}": "Email"}))
    assert await rows(world, MappingKind.CONTACT) == {email: ("Email", "", True)}
    assert await rows(world, MappingKind.COMPANY) == {inn: ("ИНН", "", True)}
    assert await rows(world, MappingKind.CONTACT, "склад") == {phone: ("Телефон склада", "", True)}


@by_endpoint
async def test_save_fields_accepts_every_documented_form(world: World, path: str, kind: MappingKind) -> None:
    ids = amo_fields(world, kind, 8)
    fields = {
        f"p_{ids[0]}": "ИНН",  # amoCRM field → 1C field
        f" {ids[1]} ": "КПП",  # a bare id (spaces tolerated)
        "Телефон": ids[2],  # 1C field → amoCRM field id
        "Email": f"p_{ids[3]}",  # 1C field → "p_<id>"
        "Адрес": f" {ids[4]} ",
        f"p_{ids[5]}": {"field": "Склад", "name": "Склад в amoCRM", "enabled": False},
        f"p_{ids[6]}": {"onec_field": "Менеджер", "amo_name": "Ответственный"},
        f"p_{ids[7]}": 1234,  # a 1C field named by a number
    }
    response = await world.post(path, body(world, **fields))
    assert response.status_code == 200, response.text
    assert await rows(world, kind) == {
        ids[0]: ("ИНН", "", True),
        ids[1]: ("КПП", "", True),
        ids[2]: ("Телефон", "", True),
        ids[3]: ("Email", "", True),
        ids[4]: ("Адрес", "", True),
        ids[5]: ("Склад", "Склад в amoCRM", False),
        ids[6]: ("Менеджер", "Ответственный", True),
        ids[7]: ("1234", "", True),
    }


@by_endpoint
@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"p_ONE": "ok", "ИНН": "не число"}, "ИНН"),
        ({"p_ONE": "ok", "ИНН": True}, "ИНН"),
        ({"p_ONE": "ok", "ИНН": None}, "ИНН"),
        ({"p_ONE": "ok", "p_TWO": ""}, "p_TWO"),
        ({"p_ONE": "ok", "p_TWO": ["ИНН"]}, "p_TWO"),
        ({"p_ONE": "ok", "p_TWO": {"name": "без поля 1С"}}, "p_TWO"),
        ({"p_ONE": "ok", "p_TWO": {"field": "x", "enabled": "yes"}}, "p_TWO"),
        ({"p_ONE": "ok", "p_TWO": "я" * 256}, "p_TWO"),
        ({"p_ONE": "ok", "ONE": "дубль"}, "ONE"),
    ],
)
async def test_save_fields_bad_value_is_400_naming_the_key_and_changes_nothing(
    world: World, path: str, kind: MappingKind, fields: dict[str, Any], named: str
) -> None:
    was, one, two = (str(field_id) for field_id in amo_fields(world, kind, 3))
    await world.post(path, body(world, **{f"p_{was}": "Было"}))
    fields = {key.replace("ONE", one).replace("TWO", two): value for key, value in fields.items()}
    response = await world.post(path, body(world, **fields))
    assert response.status_code == 400, response.text
    envelope = response.json()
    named = named.replace("ONE", one).replace("TWO", two)
    assert envelope["success"] is False and f'"{named}"' in envelope["error"]
    assert await rows(world, kind) == {int(was): ("Было", "", True)}


@by_endpoint
@pytest.mark.parametrize("form", ["p_{id}", "{id}", "value", "row"])
async def test_save_fields_an_id_the_account_lacks_is_400_naming_the_key_and_changes_nothing(
    world: World, path: str, kind: MappingKind, form: str
) -> None:
    """Issue 11: a wrong id was stored and failed only at a later /sync/leads; now it is refused at once."""
    was, known = amo_fields(world, kind, 2)
    await world.post(path, body(world, **{f"p_{was}": "Было"}))
    other = ENTITY_OF_KIND[next(item for item in ENDPOINTS if item[1] != kind)[1]]
    unknown = world.fake.add_custom_fields(world.account.id, other, [{"name": "Чужое", "type": "text"}])[0].id
    bad = {
        "p_{id}": (f"p_{unknown}", "Адрес"),
        "{id}": (str(unknown), "Адрес"),
        "value": ("Адрес", f"p_{unknown}"),  # 1C field → amoCRM field
        "row": (f"p_{unknown}", {"field": "Адрес", "enabled": False}),
    }[form]
    response = await world.post(path, body(world, **{f"p_{known}": "ИНН", bad[0]: bad[1]}))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert f'"{bad[0]}"' in error and str(unknown) in error and "нет поля" in error
    assert await rows(world, kind) == {was: ("Было", "", True)}


@by_endpoint
async def test_save_fields_sees_a_field_added_in_amocrm_after_the_list_was_cached(
    world: World, path: str, kind: MappingKind
) -> None:
    [first] = amo_fields(world, kind, 1)
    assert (await world.post(path, body(world, **{f"p_{first}": "Было"}))).status_code == 200  # list cached
    [added] = amo_fields(world, kind, 1)
    response = await world.post(path, body(world, **{f"p_{added}": "Новое"}))
    assert response.status_code == 200, response.text
    assert await rows(world, kind) == {added: ("Новое", "", True)}


@by_endpoint
async def test_save_fields_with_amocrm_unreachable_is_503_and_changes_nothing(
    world: World, path: str, kind: MappingKind
) -> None:
    was, other = amo_fields(world, kind, 2)
    base = await OneCBase.get(account_id=world.account.id, id_base="trade")
    await FieldMapping.create(base=base, kind=kind, amo_field_id=was, onec_field="Было")
    world.fake.fail_next(10, status=504, path_prefix="/api/v4/")
    response = await world.post(path, body(world, **{f"p_{other}": "Новое"}))
    assert response.status_code == 503, response.text
    assert response.json()["success"] is False and response.headers["retry-after"]
    assert await rows(world, kind) == {was: ("Было", "", True)}


@by_endpoint
async def test_save_fields_unlinked_base_is_401_like_wrong_credentials(
    world: World, path: str, kind: MappingKind
) -> None:
    response = await world.post(path, body(world, "нет такой", p_1="ИНН"))
    assert response.status_code == 401 and "нет такой" in response.json()["error"]
    assert await FieldMapping.all().count() == 0


@by_endpoint
@pytest.mark.parametrize("headers", [{}, basic(BASE_LOGIN, "wrong"), basic("admin", "admin-password")])
async def test_save_fields_bad_auth_is_401(world: World, path: str, kind: MappingKind, headers: dict[str, str]) -> None:
    response = await world.post(path, body(world, p_1="ИНН"), headers=headers)
    assert response.status_code == 401 and response.json()["success"] is False
    assert await FieldMapping.all().count() == 0


@by_endpoint
async def test_save_fields_over_the_row_limit_is_413_naming_it_and_changes_nothing(
    world: World, path: str, kind: MappingKind
) -> None:
    """The attack of issue 10: one call storing more rows than an entity keeps is refused whole."""
    [was] = amo_fields(world, kind, 1)
    await world.post(path, body(world, **{f"p_{was}": "Было"}))
    before = await rows(world, kind)
    calls = world.api_calls()
    fields = {f"p_{n}": f"Поле{n}" for n in range(1, MAX_MAPPING_ROWS + 2)}
    response = await world.post(path, body(world, **fields))
    assert response.status_code == 413, response.text
    envelope = response.json()
    assert envelope["success"] is False and envelope["data"] is None
    assert f"не больше {MAX_MAPPING_ROWS} строк" in envelope["error"] and f"{MAX_MAPPING_ROWS + 1}" in envelope["error"]
    assert await rows(world, kind) == before
    assert world.api_calls() == calls  # refused before amoCRM is asked about any id


@by_endpoint
async def test_save_fields_at_the_row_limit_is_stored(world: World, path: str, kind: MappingKind) -> None:
    ids = amo_fields(world, kind, MAX_MAPPING_ROWS)
    response = await world.post(path, body(world, **{f"p_{field_id}": f"Поле{field_id}" for field_id in ids}))
    assert response.status_code == 200, response.text
    assert len(await rows(world, kind)) == MAX_MAPPING_ROWS
