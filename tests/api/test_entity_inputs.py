"""Sync API 2.3–2.5 as 1C really calls it: a `link` amo1c could never show is refused, an order posted to the
spec's misprinted 2.5 path is served as /sync/leads."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models import EntityLink, SyncLogEntry
from backend.sync.log import RECEIVED_AT
from tests.api.conftest import World
from tests.factories import field_values

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


def order_body(world: World, **fields: Any) -> dict[str, Any]:
    """An order as the spec prints 2.5: every field but the path is /sync/leads'."""
    return {"key": world.account.id, "id_base": "trade", "id_1c": "order-7", **fields}


async def test_an_order_posted_to_the_misprinted_path_is_served_as_leads(world: World) -> None:
    companies = dict(world.fake_account.companies)
    response = await world.post("/sync/clients_companies", order_body(world, budget="1 500,50", order_number="00007"))
    assert response.status_code == 200, response.text
    deal_id = response.json()["data"]
    lead = world.fake_account.leads[deal_id]
    assert lead.name == "Заказ 1С №00007" and lead.price == 1501
    assert field_values(world.fake_account, "leads", deal_id)["Номер заказа 1С"] == ["00007"]
    assert world.fake_account.companies == companies == {}
    again = await world.post("/sync/leads", order_body(world, budget="1 500,50", order_number="00007"))
    assert again.json()["data"] == deal_id and len(world.fake_account.leads) == 1
    await world.stored_log()
    entry = await SyncLogEntry.filter(id_1c="order-7").order_by("id").first()
    assert entry is not None and entry.operation == "leads" and entry.amo_id == deal_id
    assert entry.request_summary[RECEIVED_AT] == "/sync/clients_companies"


@pytest.mark.parametrize(
    "fields",
    [{"order_number": 7}, {"budget": 0}, {"company_id": "COMPANY", "inn": " "}, {"contact_id": "CONTACT", "name": ""}],
    ids=["order_number", "budget", "company_id", "contact_id"],
)
async def test_any_order_field_without_name_or_inn_makes_the_body_an_order(
    world: World, fields: dict[str, Any]
) -> None:
    contact = (await world.post("/sync/clients_contacts", body(world, "/sync/clients_contacts"))).json()["data"]
    company = (await world.post("/sync/clients_companies", body(world, "/sync/clients_companies"))).json()["data"]
    fields = {name: {"COMPANY": company, "CONTACT": contact}.get(value, value) for name, value in fields.items()}
    response = await world.post("/sync/clients_companies", order_body(world, **fields))
    assert response.status_code == 200, response.text
    assert set(world.fake_account.leads) == {response.json()["data"]}
    assert set(world.fake_account.companies) == {company} and set(world.fake_account.contacts) == {contact}


@pytest.mark.parametrize("company_field", [{"name": "ООО Ромашка"}, {"inn": "7701234567"}])
async def test_a_body_of_both_a_company_and_an_order_is_400_naming_both_paths(
    world: World, company_field: dict[str, str]
) -> None:
    response = await world.post("/sync/clients_companies", order_body(world, budget=100, **company_field))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert "/sync/clients_companies" in error and "/sync/leads" in error and '"budget"' in error
    assert entity_count(world) == 0 and world.api_calls() == 0


async def test_a_company_body_on_its_own_path_still_makes_a_company(world: World) -> None:
    response = await world.post("/sync/clients_companies", body(world, "/sync/clients_companies", id="", budget=None))
    assert response.status_code == 200, response.text
    assert set(world.fake_account.companies) == {response.json()["data"]} and world.fake_account.leads == {}
    await world.stored_log()
    entry = await SyncLogEntry.get(operation="clients_companies")
    assert RECEIVED_AT not in entry.request_summary


async def test_a_key_named_like_amo1c_s_note_in_1c_s_own_body_is_not_stored(world: World) -> None:
    forged = body(world, "/sync/leads", **{RECEIVED_AT: "/sync/чужой"})
    assert (await world.post("/sync/leads", forged)).status_code == 200
    await world.stored_log()
    entry = await SyncLogEntry.get(operation="leads")
    assert RECEIVED_AT not in entry.request_summary
