"""Sync API 2.8–2.10 through HTTP: versioned handler packages per base, admin-only uploads."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.models import HandlerPackage
from backend.settings import Settings
from tests.api.conftest import World
from tests.factories import ADMIN_AUTH, BASE_AUTH, basic, link_base

VERSION, HANDLERS, SET = (
    "/update_handlers/get_actual_version",
    "/update_handlers/get_actual_handlers",
    "/update_handlers/set_handlers",
)


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The shared test settings, with the overrides a test passes by indirect parametrization."""
    return settings.with_overrides(**getattr(request, "param", {}))


def ok(world: World, id_base: str = "trade", **fields: Any) -> dict[str, Any]:
    return {"key": world.account.id, "id_base": id_base, **fields}


async def upload(world: World, handlers: Any, id_base: str = "trade") -> int:
    response = await world.post(SET, ok(world, id_base, handlers=handlers), headers=ADMIN_AUTH)
    assert response.status_code == 200, response.text
    return int(response.json()["data"]["version"])


async def test_initially_version_0_and_handlers_null(world: World) -> None:
    assert (await world.post(VERSION, ok(world))).json() == {"success": True, "data": {"version": 0}, "error": None}
    answer = (await world.post(HANDLERS, ok(world))).json()
    assert answer == {"success": True, "data": {"version": 0, "handlers": None}, "error": None}


@pytest.mark.parametrize(
    "headers", [{}, BASE_AUTH, basic("admin", "wrong"), basic("Admin", "admin-password"), {"Authorization": "Basic"}]
)
async def test_set_handlers_without_admin_credentials_is_401(world: World, headers: dict[str, str]) -> None:
    response = await world.post(SET, ok(world, handlers={"a": 1}), headers=headers)
    assert response.status_code == 401 and response.json()["success"] is False
    assert "Basic" in response.headers["www-authenticate"]
    assert await HandlerPackage.all().count() == 0


@pytest.mark.parametrize("settings", [{"admin_user": None, "admin_password": None}], indirect=True)
async def test_set_handlers_without_configured_admin_is_403(world: World) -> None:
    for headers in ({}, ADMIN_AUTH):
        response = await world.post(SET, ok(world, handlers={"a": 1}), headers=headers)
        assert response.status_code == 403 and "AMO1C_ADMIN" in response.json()["error"]
    assert await HandlerPackage.all().count() == 0


async def test_versions_go_1_2_3_and_the_latest_is_served_exactly(world: World) -> None:
    packages = [
        {"модуль": "Процедура Обмен() КонецПроцедуры", "версия": "1.0"},
        ["список", 1, 2.5, None, True],
        {"nested": {"deep": [{"x": "ё"}], "empty": {}}, "big": 2**53},
    ]
    versions = [await upload(world, package) for package in packages]
    assert versions == [1, 2, 3]
    assert (await world.post(VERSION, ok(world))).json()["data"] == {"version": 3}
    assert (await world.post(HANDLERS, ok(world))).json()["data"] == {"version": 3, "handlers": packages[-1]}


@pytest.mark.parametrize("handlers", ["текст обработчика", "[1, 2]", "123"])
async def test_handlers_as_a_string_are_kept_as_sent(world: World, handlers: str) -> None:
    await upload(world, handlers)
    assert (await world.post(HANDLERS, ok(world))).json()["data"]["handlers"] == handlers


async def test_concurrent_uploads_get_distinct_versions(world: World) -> None:
    responses = await asyncio.gather(
        *(world.post(SET, ok(world, handlers={"n": n}), headers=ADMIN_AUTH) for n in range(5))
    )
    assert all(response.status_code == 200 for response in responses), [r.text for r in responses]
    assert sorted(response.json()["data"]["version"] for response in responses) == [1, 2, 3, 4, 5]
    stored = await HandlerPackage.all().order_by("version")
    assert [package.version for package in stored] == [1, 2, 3, 4, 5]
    assert sorted(package.handlers["n"] for package in stored) == [0, 1, 2, 3, 4]  # type: ignore[index]


@pytest.mark.parametrize("handlers", ["absent", None, "", {}, []])
async def test_set_handlers_missing_handlers_is_400(world: World, handlers: Any) -> None:
    body = ok(world) if handlers == "absent" else ok(world, handlers=handlers)
    response = await world.post(SET, body, headers=ADMIN_AUTH)
    assert response.status_code == 400 and '"handlers"' in response.json()["error"]
    assert await HandlerPackage.all().count() == 0


async def test_packages_are_numbered_per_base(world: World) -> None:
    await link_base(world.client, world.account.id, "склад")
    assert [await upload(world, {"n": n}) for n in range(3)] == [1, 2, 3]
    assert await upload(world, {"склад": 1}, "склад") == 1
    assert (await world.post(VERSION, ok(world, "склад"))).json()["data"] == {"version": 1}
    assert (await world.post(HANDLERS, ok(world, "склад"))).json()["data"] == {"version": 1, "handlers": {"склад": 1}}
    assert (await world.post(VERSION, ok(world))).json()["data"] == {"version": 3}


async def test_set_handlers_for_an_unlinked_base_is_403_and_unknown_account_404(world: World) -> None:
    response = await world.post(SET, ok(world, "нет такой", handlers={"a": 1}), headers=ADMIN_AUTH)
    assert response.status_code == 403
    response = await world.post(SET, {"key": 5, "id_base": "trade", "handlers": {"a": 1}}, headers=ADMIN_AUTH)
    assert response.status_code == 404


@pytest.mark.parametrize("path", [VERSION, HANDLERS])
async def test_reading_handlers_needs_the_base_credentials(world: World, path: str) -> None:
    for headers in ({}, ADMIN_AUTH, basic("Обмен1С", "wrong")):
        response = await world.post(path, ok(world), headers=headers)
        assert response.status_code == 401 and response.json()["success"] is False
