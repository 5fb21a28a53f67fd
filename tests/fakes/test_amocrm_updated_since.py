"""Reading what changed since a moment: `filter[updated_at][from]` with `order[updated_at]` and paging."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.amocrm_helpers import START_WALL, Session, open_session

T0 = int(START_WALL)


async def _walk(s: Session, entity: str, params: dict[str, Any]) -> list[list[int]]:
    """Follow `_links.next` from the first page and return the ids of every page."""
    pages: list[list[int]] = []
    response = await s.get(f"/api/v4/{entity}", params=params)
    while response.status_code == 200:
        body = response.json()
        pages.append([item["id"] for item in body["_embedded"][entity]])
        if "next" not in body["_links"]:
            break
        response = await s.get(body["_links"]["next"]["href"])
    return pages


@pytest.mark.parametrize("entity", ["leads", "contacts", "companies"])
async def test_amocrm_updated_since_pages_through_changes_oldest_first(entity: str) -> None:
    async with open_session() as s:
        ids = []
        for n in range(5):
            ids += await s.create(entity, {"name": f"#{n}"})
            s.clock.advance(10)
        await s.patch(f"/api/v4/{entity}/{ids[1]}", {"name": "изменён"})  # T0 + 50
        s.clock.advance(10)
        s.fake.touch_entity(s.account.id, entity, ids[0])  # T0 + 60
        params = {"filter[updated_at][from]": T0 + 30, "order[updated_at]": "asc", "limit": 2}
        pages = await _walk(s, entity, params)
        beyond = await s.get(f"/api/v4/{entity}", params={**params, "page": 3})
        newest_first = await _walk(s, entity, {**params, "order[updated_at]": "desc", "limit": 250})
    assert pages == [[ids[3], ids[4]], [ids[1], ids[0]]]
    assert beyond.status_code == 204
    assert newest_first == [[ids[0], ids[1], ids[4], ids[3]]]
    assert [s.account.entities(entity)[i].updated_at for i in (ids[3], ids[4], ids[1], ids[0])] == [
        T0 + 30,
        T0 + 40,
        T0 + 50,
        T0 + 60,
    ]


async def test_amocrm_updated_since_is_inclusive_and_ties_go_by_id() -> None:
    async with open_session() as s:
        first, second = await s.create("leads", {"name": "a"}, {"name": "b"})
        s.clock.advance(5)
        third = (await s.create("leads", {"name": "c"}))[0]
        response = await s.get("/api/v4/leads", params={"filter[updated_at][from]": T0, "order[updated_at]": "asc"})
        later = await s.get("/api/v4/leads", params={"filter[updated_at][from]": T0 + 1})
        nothing = await s.get("/api/v4/leads", params={"filter[updated_at][from]": T0 + 6})
    assert [item["id"] for item in response.json()["_embedded"]["leads"]] == [first, second, third]
    assert [item["id"] for item in later.json()["_embedded"]["leads"]] == [third]
    assert nothing.status_code == 204


async def test_amocrm_a_deal_moved_by_a_manager_is_found_by_updated_since() -> None:
    async with open_session() as s:
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        s.clock.advance(120)
        status = s.account.main_pipeline().statuses[2].id
        s.fake.move_lead(s.account.id, lead_id, status)
        response = await s.get("/api/v4/leads", params={"filter[updated_at][from]": T0 + 60})
    (lead,) = response.json()["_embedded"]["leads"]
    assert (lead["id"], lead["status_id"], lead["updated_at"]) == (lead_id, status, T0 + 120)


async def test_amocrm_a_single_updated_at_value_matches_that_second_only() -> None:
    # amocrm-api-php issue 358: filter[updated_at]=ts finds nothing; a from/to range is what works.
    async with open_session() as s:
        await s.create("leads", {"name": "a"})
        s.clock.advance(30)
        exact = await s.get("/api/v4/leads", params={"filter[updated_at]": T0})
        other_second = await s.get("/api/v4/leads", params={"filter[updated_at]": T0 - 10})
        bad = await s.get("/api/v4/leads", params={"filter[updated_at][from]": "yesterday"})
    assert exact.status_code == 200
    assert other_second.status_code == 204
    assert bad.status_code == 400
