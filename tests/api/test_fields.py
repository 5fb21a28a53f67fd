"""Sync API 2.7 (*_save_fields) through HTTP: rows per entity kind, replace semantics, every accepted form."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models import FieldMapping, MappingKind
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


async def rows(world: World, kind: MappingKind, id_base: str = "trade") -> dict[int, tuple[str, str, bool]]:
    """amo field id → (1C field, amo field name, enabled) of the stored rows."""
    found = await FieldMapping.filter(base__account_id=world.account.id, base__id_base=id_base, kind=kind)
    return {int(row.amo_field_id): (row.onec_field, row.amo_field_name, row.enabled) for row in found}


@by_endpoint
async def test_save_fields_stores_rows_of_its_entity_only(world: World, path: str, kind: MappingKind) -> None:
    response = await world.post(path, body(world, p_101="ИНН", p_102="КПП"))
    assert response.json() == {"success": True, "data": None, "error": None}
    assert await rows(world, kind) == {101: ("ИНН", "", True), 102: ("КПП", "", True)}
    for other in MappingKind:
        if other != kind:
            assert await rows(world, other) == {}


@by_endpoint
async def test_save_fields_second_call_replaces_and_empty_body_removes_all(
    world: World, path: str, kind: MappingKind
) -> None:
    await world.post(path, body(world, p_101="ИНН", p_102="КПП"))
    await world.post(path, body(world, p_103="Адрес", p_101="ИНН организации"))
    assert await rows(world, kind) == {101: ("ИНН организации", "", True), 103: ("Адрес", "", True)}
    assert (await world.post(path, body(world))).status_code == 200
    assert await rows(world, kind) == {}


async def test_save_fields_replaces_only_its_own_entity_and_base(world: World) -> None:
    await link_base(world.client, world.account.id, "склад")
    contacts, companies = ENDPOINTS[0][0], ENDPOINTS[1][0]
    await world.post(contacts, body(world, p_1="Телефон"))
    await world.post(contacts, body(world, "склад", p_1="Телефон склада"))
    await world.post(companies, body(world, p_2="ИНН"))
    await world.post(contacts, body(world, p_3="Email"))
    assert await rows(world, MappingKind.CONTACT) == {3: ("Email", "", True)}
    assert await rows(world, MappingKind.COMPANY) == {2: ("ИНН", "", True)}
    assert await rows(world, MappingKind.CONTACT, "склад") == {1: ("Телефон склада", "", True)}


@by_endpoint
async def test_save_fields_accepts_every_documented_form(world: World, path: str, kind: MappingKind) -> None:
    fields = {
        "p_201": "ИНН",  # amoCRM field → 1C field
        " 202 ": "КПП",  # a bare id (spaces tolerated)
        "Телефон": 203,  # 1C field → amoCRM field id
        "Email": "p_204",  # 1C field → "p_<id>"
        "Адрес": " 205 ",
        "p_206": {"field": "Склад", "name": "Склад в amoCRM", "enabled": False},
        "p_207": {"onec_field": "Менеджер", "amo_name": "Ответственный"},
        "p_208": 1234,  # a 1C field named by a number
    }
    response = await world.post(path, body(world, **fields))
    assert response.status_code == 200, response.text
    assert await rows(world, kind) == {
        201: ("ИНН", "", True),
        202: ("КПП", "", True),
        203: ("Телефон", "", True),
        204: ("Email", "", True),
        205: ("Адрес", "", True),
        206: ("Склад", "Склад в amoCRM", False),
        207: ("Менеджер", "Ответственный", True),
        208: ("1234", "", True),
    }


@by_endpoint
@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"p_1": "ok", "ИНН": "не число"}, "ИНН"),
        ({"p_1": "ok", "ИНН": True}, "ИНН"),
        ({"p_1": "ok", "ИНН": None}, "ИНН"),
        ({"p_1": "ok", "p_2": ""}, "p_2"),
        ({"p_1": "ok", "p_2": ["ИНН"]}, "p_2"),
        ({"p_1": "ok", "p_2": {"name": "без поля 1С"}}, "p_2"),
        ({"p_1": "ok", "p_2": {"field": "x", "enabled": "yes"}}, "p_2"),
        ({"p_1": "ok", "p_2": "я" * 256}, "p_2"),
        ({"p_1": "ok", "1": "дубль"}, "1"),
    ],
)
async def test_save_fields_bad_value_is_400_naming_the_key_and_changes_nothing(
    world: World, path: str, kind: MappingKind, fields: dict[str, Any], named: str
) -> None:
    await world.post(path, body(world, p_9="Было"))
    response = await world.post(path, body(world, **fields))
    assert response.status_code == 400, response.text
    envelope = response.json()
    assert envelope["success"] is False and f'"{named}"' in envelope["error"]
    assert await rows(world, kind) == {9: ("Было", "", True)}


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
    await world.post(path, body(world, p_9="Было"))
    before = await rows(world, kind)
    fields = {f"p_{n}": f"Поле{n}" for n in range(1, MAX_MAPPING_ROWS + 2)}
    response = await world.post(path, body(world, **fields))
    assert response.status_code == 413, response.text
    envelope = response.json()
    assert envelope["success"] is False and envelope["data"] is None
    assert f"не больше {MAX_MAPPING_ROWS} строк" in envelope["error"] and f"{MAX_MAPPING_ROWS + 1}" in envelope["error"]
    assert await rows(world, kind) == before


@by_endpoint
async def test_save_fields_at_the_row_limit_is_stored(world: World, path: str, kind: MappingKind) -> None:
    fields = {f"p_{n}": f"Поле{n}" for n in range(1, MAX_MAPPING_ROWS + 1)}
    response = await world.post(path, body(world, **fields))
    assert response.status_code == 200, response.text
    assert len(await rows(world, kind)) == MAX_MAPPING_ROWS
