"""Each 1C call does what 1C meant, as a 1C programmer would send it: the state of the fake amoCRM afterwards is
the assertion — no phantom or nameless entities, partial updates, and one entity after a lost answer."""

from __future__ import annotations

import html
from typing import Any

import pytest

from backend.models import EntityKind, EntityLink
from backend.ui.tokens import UISession, UITokens
from tests.api.conftest import World
from tests.factories import field_values

ENTITY_PATHS = {"contacts": "/sync/clients_contacts", "companies": "/sync/clients_companies", "leads": "/sync/leads"}


def body(world: World, **fields: Any) -> dict[str, Any]:
    return {"key": world.account.id, "id_base": "trade", **fields}


def counts(world: World) -> dict[str, int]:
    account = world.fake_account
    return {"contacts": len(account.contacts), "companies": len(account.companies), "leads": len(account.leads)}


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/sync/clients_contacts", {"name": "Анна", "phone": "+7 912 000-00-01"}),
        ("/sync/clients_contacts", {"id_1c": "c-1", "name": "Анна"}),
        ("/sync/clients_companies", {"name": "ООО Ромашка", "inn": "7701234567"}),
        ("/sync/leads", {"id_1c": "o-1", "budget": "1 000", "order_number": "7"}),
    ],
)
async def test_an_id_amocrm_does_not_have_is_a_409_and_nothing_is_created(
    world: World, path: str, fields: dict[str, Any]
) -> None:
    before = counts(world)
    response = await world.post(path, body(world, id=987654321, **fields))
    assert response.status_code == 409, response.text
    assert "987654321" in response.json()["error"] and "нет" in response.json()["error"]
    assert counts(world) == before
    assert not await EntityLink.filter(amo_id=987654321).exists()


async def test_an_id_deleted_by_a_manager_is_a_409_then_a_call_without_it_recreates(world: World) -> None:
    first = await world.post("/sync/clients_contacts", body(world, id_1c="c-1", name="Анна", phone="+79120000001"))
    contact_id = first.json()["data"]
    del world.fake_account.contacts[contact_id]  # a manager deleted it in amoCRM
    refused = await world.post("/sync/clients_contacts", body(world, id=contact_id, id_1c="c-1", name="Анна Н."))
    assert refused.status_code == 409 and str(contact_id) in refused.json()["error"]
    assert world.fake_account.contacts == {}
    again = await world.post("/sync/clients_contacts", body(world, id_1c="c-1", name="Анна Н."))
    assert again.status_code == 200
    assert [contact.name for contact in world.fake_account.contacts.values()] == ["Анна Н."]


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/sync/clients_contacts", {"phone": "+7 912 000-00-09"}),
        ("/sync/clients_contacts", {"id_1c": "c-9", "email": "nobody@example.ru"}),
        ("/sync/clients_companies", {"inn": "7701234567"}),
        ("/sync/clients_companies", {"id_1c": "org-9"}),
    ],
)
async def test_creating_without_a_name_is_a_400_naming_it(world: World, path: str, fields: dict[str, Any]) -> None:
    response = await world.post(path, body(world, **fields))
    assert response.status_code == 400, response.text
    assert '"name"' in response.json()["error"]
    assert counts(world) == {"contacts": 0, "companies": 0, "leads": 0}


async def test_a_linked_counterparty_is_updated_without_its_name_and_only_in_what_the_call_carries(
    world: World,
) -> None:
    user = next(iter(world.fake_account.users))
    created = await world.post(
        "/sync/clients_contacts", body(world, id_1c="c-1", name="Анна Смирнова", phone="+7 912 000-00-01")
    )
    contact_id = created.json()["data"]
    moved = await world.post("/sync/clients_contacts", body(world, id_1c="c-1", responsible_user_id=user))
    assert moved.status_code == 200, moved.text
    contact = world.fake_account.contacts[contact_id]
    assert (contact.name, contact.responsible_user_id) == ("Анна Смирнова", user)
    mailed = await world.post("/sync/clients_contacts", body(world, id_1c="c-1", email="anna@example.ru"))
    assert mailed.status_code == 200
    values = field_values(world.fake_account, "contacts", contact_id)
    assert values["PHONE"] == ["+7 912 000-00-01"] and values["EMAIL"] == ["anna@example.ru"]
    assert world.fake_account.contacts[contact_id].name == "Анна Смирнова"
    company = await world.post("/sync/clients_companies", body(world, id_1c="org-1", name="ООО Ромашка"))
    renamed = await world.post("/sync/clients_companies", body(world, id=company.json()["data"], inn="7701234567"))
    assert renamed.status_code == 200
    assert world.fake_account.companies[company.json()["data"]].name == "ООО Ромашка"


LOST_ANSWERS = [
    ("contacts", {"id_1c": "c-lost", "name": "Только имя"}),
    ("contacts", {"id_1c": "c-lost", "name": "С телефоном", "phone": "+7 912 000-00-77"}),
    ("companies", {"id_1c": "org-lost", "name": "ООО С ИНН", "inn": "7709876543"}),
    ("companies", {"id_1c": "org-lost", "name": "ООО Без ИНН"}),
    ("leads", {"id_1c": "order-lost", "budget": "5 000", "order_number": "42"}),
    ("leads", {"id_1c": "order-lost", "budget": "5 000"}),
]


@pytest.mark.parametrize(("entity", "fields"), LOST_ANSWERS)
async def test_after_amocrm_applied_a_create_and_lost_the_answer_the_retry_finds_one_entity(
    world: World, entity: str, fields: dict[str, Any]
) -> None:
    path = ENTITY_PATHS[entity]
    warm = {"contacts": {"name": "Другой"}, "companies": {"name": "Другая"}, "leads": {"budget": 1}}[entity]
    assert (await world.post(path, body(world, id_1c="someone-else", **warm))).status_code == 200
    before = counts(world)[entity]
    world.fake.fail_next(1, status=500, path_prefix=f"/api/v4/{entity}", after_apply=True, method="POST")
    lost = await world.post(path, body(world, **fields))
    assert lost.status_code >= 500 and counts(world)[entity] == before + 1, "amoCRM created it, the answer was lost"
    retried = await world.post(path, body(world, **fields))
    assert retried.status_code == 200, retried.text
    assert counts(world)[entity] == before + 1
    created = world.fake_account.entities(entity)[retried.json()["data"]]
    assert "ID 1С" in field_values(world.fake_account, entity, created.id)
    again = await world.post(path, body(world, **fields))
    assert again.json()["data"] == retried.json()["data"] and counts(world)[entity] == before + 1


async def test_a_created_entity_keeps_its_1c_id_in_the_id_field(world: World) -> None:
    created = await world.post("/sync/clients_companies", body(world, id_1c="org-1", name="ООО Ромашка"))
    values = field_values(world.fake_account, "companies", created.json()["data"])
    assert values["ID 1С"] == ["org-1"]
    link = await EntityLink.get(kind=EntityKind.COMPANY, id_1c="org-1")
    assert link.amo_id == created.json()["data"]


async def test_a_link_sent_without_a_1c_id_is_kept_shown_in_the_card_and_written_to_its_mapped_field(
    world: World,
) -> None:
    text_field = next(f for f in world.fake_account.custom_fields["companies"] if f.type == "text" and not f.code)
    mapped = await world.post("/sync/clients_companies_save_fields", body(world, **{f"p_{text_field.id}": "link"}))
    assert mapped.status_code == 200, mapped.text
    company_id = (
        await world.post("/sync/clients_companies", body(world, name="ООО Ромашка", inn="7701234567"))
    ).json()["data"]
    url = "https://1c.example.test/trade#e1cib/data/Справочник.Контрагенты?ref=77"
    linked = await world.post("/sync/clients_companies", body(world, id=company_id, link=url))
    assert linked.status_code == 200, linked.text
    row = await EntityLink.get(kind=EntityKind.COMPANY, amo_id=company_id)
    assert (row.id_1c, row.link) == (None, url)
    assert field_values(world.fake_account, "companies", company_id)[text_field.name] == [url]
    token = UITokens(world.settings.secret_key).issue(UISession(world.account.id, 1, is_admin=False))
    card = await world.client.get(f"/ui/cards/companies/{company_id}", params={"token": token})
    assert f'href="{html.escape(url)}"' in card.text


async def test_a_link_sent_by_id_lands_on_the_entitys_existing_link_row(world: World) -> None:
    created = await world.post("/sync/clients_contacts", body(world, id_1c="c-1", name="Анна", phone="+79120000001"))
    contact_id = created.json()["data"]
    url = "https://1c.example.test/trade#e1cib/data/Справочник.Контрагенты?ref=1"
    assert (await world.post("/sync/clients_contacts", body(world, id=contact_id, link=url))).status_code == 200
    rows = await EntityLink.filter(kind=EntityKind.CONTACT, amo_id=contact_id)
    assert [(row.id_1c, row.link) for row in rows] == [("c-1", url)]
