"""Sync API 2.3–2.5 as 1C really calls it: a `link` amo1c could never show is refused, an order posted to the
spec's misprinted 2.5 path is served as /sync/leads."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models import EntityLink
from tests.api.conftest import World

ENTITY_BODIES: dict[str, dict[str, Any]] = {
    "/sync/clients_contacts": {"id_1c": "c-1", "name": "Анна", "phone": "+7 912 345-67-89"},
    "/sync/clients_companies": {"id_1c": "org-1", "name": "ООО Ромашка", "inn": "7701234567"},
    "/sync/leads": {"id_1c": "order-1", "order_number": "77", "budget": "1 500,50"},
}
by_entity = pytest.mark.parametrize("path", ENTITY_BODIES, ids=lambda path: path.rsplit("/", 1)[1])


def body(world: World, path: str, **fields: Any) -> dict[str, Any]:
    return {"key": world.account.id, "id_base": "trade", **ENTITY_BODIES[path], **fields}


def entity_count(world: World) -> int:
    account = world.fake_account
    return len(account.contacts) + len(account.companies) + len(account.leads)


@by_entity
@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(2)",
        "java\tscript:alert(3)",
        "data:text/html,<script>alert(4)</script>",
        "Документ.ЗаказКлиента?ref=77",  # relative: no scheme, not a navigation link
        "//1c.example.test/trade",
        "http://1c.example.test/tr\nade",
    ],
)
async def test_a_link_amo1c_could_never_show_is_400_naming_it_and_nothing_is_created(
    world: World, path: str, link: str
) -> None:
    response = await world.post(path, body(world, path, link=link))
    assert response.status_code == 400, response.text
    assert '"link"' in response.json()["error"]
    assert entity_count(world) == 0
    assert not await EntityLink.exists()


@by_entity
@pytest.mark.parametrize(
    "link",
    [
        "http://1c.example.test/trade#e1cib/data/Документ.ЗаказКлиента?ref=77",
        "HTTPS://1c.example.test/trade",
        "e1c://server/trade#e1cib/data/Документ.ЗаказКлиента?ref=77",
        "e1cib/data/Документ.ЗаказКлиента?ref=77",
        " http://1c.example.test/trade ",
    ],
)
async def test_a_link_amo1c_shows_is_kept_as_sent(world: World, path: str, link: str) -> None:
    response = await world.post(path, body(world, path, link=link))
    assert response.status_code == 200, response.text
    assert (await EntityLink.get()).link == link.strip()
    assert entity_count(world) == 1
