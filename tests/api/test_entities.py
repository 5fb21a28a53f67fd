from __future__ import annotations

import asyncio
import json
import logging

import pytest

from backend.crypto import SecretBox
from backend.models import EntityKind, EntityLink, SyncLogEntry
from backend.store import DatabaseTokenStore
from tests.api.conftest import World
from tests.factories import basic, field_values, linked_ids


def contact_body(world: World, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "key": world.account.id,
        "id_base": "trade",
        "id_1c": "c0a8-0001",
        "link": "http://1c.example.test/trade#e1cib/data/Справочник.Контрагенты?ref=0001",
        "name": "Анна Смирнова",
        "phone": "+7 (912) 345-67-89",
        "email": "Anna@Example.ru",
    }
    body.update(overrides)
    return body


async def test_contact_is_created_with_phone_and_email_as_multitext(world: World) -> None:
    response = await world.post("/sync/clients_contacts", contact_body(world))
    assert response.status_code == 200, response.text
    envelope = response.json()
    assert envelope["success"] is True and envelope["error"] is None
    contact = world.fake_account.contacts[envelope["data"]]
    assert contact.name == "Анна Смирнова"
    values = field_values(world.fake_account, "contacts", contact.id)
    assert values["PHONE"] == ["+7 (912) 345-67-89"]
    assert values["EMAIL"] == ["anna@example.ru"]
    link = await EntityLink.get(kind=EntityKind.CONTACT, id_1c="c0a8-0001")
    assert link.amo_id == envelope["data"] and link.link.endswith("ref=0001")


async def test_contact_repeated_call_sends_nothing_and_answers_the_same_id(world: World) -> None:
    first = (await world.post("/sync/clients_contacts", contact_body(world))).json()["data"]
    calls = world.api_calls()
    second = (await world.post("/sync/clients_contacts", contact_body(world))).json()["data"]
    assert second == first
    assert world.api_calls() == calls, "unchanged data must not reach amoCRM"
    assert len(world.fake_account.contacts) == 1


async def test_contact_changed_name_costs_one_call(world: World) -> None:
    first = (await world.post("/sync/clients_contacts", contact_body(world))).json()["data"]
    calls = world.api_calls()
    changed = await world.post("/sync/clients_contacts", contact_body(world, name="Анна Смирнова-Петрова"))
    assert changed.json()["data"] == first
    assert world.api_calls() == calls + 1
    assert world.fake_account.contacts[first].name == "Анна Смирнова-Петрова"


async def test_ten_identical_concurrent_calls_make_one_contact(world: World) -> None:
    responses = await asyncio.gather(*(world.post("/sync/clients_contacts", contact_body(world)) for _ in range(10)))
    ids = {response.json()["data"] for response in responses}
    assert all(response.status_code == 200 for response in responses)
    assert len(ids) == 1
    assert len(world.fake_account.contacts) == 1


async def test_contact_found_by_phone_is_linked_not_duplicated(world: World) -> None:
    existing = (await world.post("/sync/clients_contacts", contact_body(world, id_1c="other"))).json()["data"]
    response = await world.post(
        "/sync/clients_contacts", contact_body(world, id_1c="new-1c-id", phone="8 912 345 67 89", email=None)
    )
    assert response.json()["data"] == existing
    assert len(world.fake_account.contacts) == 1


async def test_contact_found_by_email_when_phone_unknown(world: World) -> None:
    existing = (
        await world.post("/sync/clients_contacts", contact_body(world, id_1c="a", phone=None, email="x@y.ru"))
    ).json()["data"]
    response = await world.post(
        "/sync/clients_contacts", contact_body(world, id_1c="b", phone="+7 999 000-00-01", email="X@Y.RU")
    )
    assert response.json()["data"] == existing
    assert field_values(world.fake_account, "contacts", existing)["PHONE"] == ["+7 999 000-00-01"]


async def test_contact_amocrm_failing_after_create_then_retry_finds_it(world: World) -> None:
    body = contact_body(world, phone=None, email="only@mail.ru")
    world.fake.add_custom_fields(world.account.id, "contacts", [{"name": "ID 1С"}])  # made earlier by amo1c
    # the email search answers 204 first; then the create is applied by amoCRM and answered 504
    world.fake.fail_next(1, status=504, path_prefix="/api/v4/contacts", after_apply=True, method="POST")
    failed = await world.post("/sync/clients_contacts", body)
    assert len(world.fake_account.contacts) == 1, "amoCRM created it before failing"
    assert failed.status_code == 503
    assert failed.json()["success"] is False
    retried = await world.post("/sync/clients_contacts", body)
    assert retried.status_code == 200, retried.text
    assert len(world.fake_account.contacts) == 1


async def test_amocrm_echoing_our_bearer_token_reaches_neither_1c_nor_the_sync_log_nor_the_server_log(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    pair = await DatabaseTokenStore(SecretBox(world.settings.secret_key)).load(world.account.id)
    assert pair is not None
    echo = {"title": "Bad Request", "detail": f"Authorization: Bearer {pair.access_token} is not valid here"}
    world.fake.add_custom_fields(world.account.id, "contacts", [{"name": "ID 1С"}])  # made earlier by amo1c
    world.fake.fail_next(1, status=400, path_prefix="/api/v4/contacts", method="POST", body=echo)
    with caplog.at_level(logging.INFO):
        failed = await world.post("/sync/clients_contacts", contact_body(world, phone=None, email="echo@mail.ru"))
    assert failed.status_code == 502 and "Bearer ***" in failed.json()["error"]
    await world.stored_log()
    entry = await SyncLogEntry.filter(operation="clients_contacts").order_by("-id").first()
    assert entry is not None and entry.error is not None and "Bearer ***" in entry.error
    kept = [failed.text, entry.error, json.dumps(entry.request_summary), caplog.text]
    assert not [text for text in kept if pair.access_token[:16] in text or pair.refresh_token[:16] in text]


async def test_company_matched_by_inn_and_inn_written(world: World) -> None:
    body = {"key": world.account.id, "id_base": "trade", "id_1c": "org-1", "name": "ООО «Ромашка»", "inn": "7701234567"}
    first = (await world.post("/sync/clients_companies", body)).json()["data"]
    again = (await world.post("/sync/clients_companies", {**body, "id_1c": "org-1-dup", "inn": "77 0123 4567"})).json()
    assert again["data"] == first
    assert field_values(world.fake_account, "companies", first)["ИНН"] == ["7701234567"]


async def test_lead_created_with_name_price_links_and_order_number(world: World) -> None:
    contact = (await world.post("/sync/clients_contacts", contact_body(world))).json()["data"]
    company_body = {
        "key": world.account.id,
        "id_base": "trade",
        "id_1c": "org",
        "name": "ООО Лютик",
        "inn": "7712345678",
    }
    company = (await world.post("/sync/clients_companies", company_body)).json()["data"]
    body = {
        "key": str(world.account.id),
        "id_base": "trade",
        "id_1c": "order-77",
        "link": "http://1c.example.test/trade#e1cib/data/Документ.ЗаказКлиента?ref=77",
        "contact_id": str(contact),
        "company_id": company,
        "budget": "1\u00a0500,50",
        "order_number": "00000077",
        "responsible_user_id": world.fake_account.admin_id,
    }
    response = await world.post("/sync/leads", body)
    assert response.status_code == 200, response.text
    lead = world.fake_account.leads[response.json()["data"]]
    assert lead.name == "Заказ 1С №00000077"
    assert lead.price == 1501
    values = field_values(world.fake_account, "leads", lead.id)
    assert values["Номер заказа 1С"] == ["00000077"]
    assert values["Ссылка на заказ 1С"][0].endswith("ref=77")
    assert linked_ids(world.fake_account, "leads", lead.id, "contacts") == {contact}
    assert linked_ids(world.fake_account, "leads", lead.id, "companies") == {company}
    state = world.fake_account
    again = await world.post("/sync/leads", body)
    assert again.json()["data"] == response.json()["data"] and len(state.leads) == 1


async def test_sync_log_records_calls_with_password_masked(world: World) -> None:
    await world.post("/sync/clients_contacts", contact_body(world))
    await world.stored_log()
    entries = await SyncLogEntry.filter(operation="base").all()
    assert entries and entries[0].request_summary is not None
    assert entries[0].request_summary["param2"] == "***"
    contact_entry = await SyncLogEntry.get(operation="clients_contacts")
    assert contact_entry.amo_id is not None and contact_entry.id_1c == "c0a8-0001"
    assert contact_entry.outcome == "ok" and contact_entry.http_status == 200


async def test_wrong_credentials_are_refused_with_401(world: World) -> None:
    response = await world.post("/sync/clients_contacts", contact_body(world), headers=basic("Обмен1С", "wrong"))
    assert response.status_code == 401
    assert response.json() == {"success": False, "data": None, "error": response.json()["error"]}
    assert "Basic" in response.headers["www-authenticate"]
    assert world.api_calls() == 0


async def test_unknown_custom_field_is_400_naming_the_key_and_nothing_is_written(world: World) -> None:
    response = await world.post("/sync/clients_contacts", contact_body(world, p_999999="x"))
    assert response.status_code == 400
    assert '"p_999999"' in response.json()["error"]
    assert world.fake_account.contacts == {}


async def test_custom_values_are_converted_to_the_field_type(world: World) -> None:
    debt = next(f.id for f in world.fake_account.custom_fields["leads"] if f.name == "Долг")
    body = {"key": world.account.id, "id_base": "trade", "id_1c": "o-5", "order_number": "5", f"p_{debt}": "1 250,5"}
    response = await world.post("/sync/leads", body)
    assert response.status_code == 200, response.text
    assert world.fake_account.leads[response.json()["data"]].custom_fields[debt][0]["value"] == 1250.5
    bad = await world.post("/sync/leads", {**body, "id_1c": "o-6", f"p_{debt}": "много"})
    assert bad.status_code == 400 and f'"p_{debt}"' in bad.json()["error"]


async def test_unknown_responsible_user_is_400(world: World) -> None:
    response = await world.post("/sync/clients_contacts", contact_body(world, responsible_user_id=424242))
    assert response.status_code == 400
    assert "responsible_user_id" in response.json()["error"]
    known = await world.post(
        "/sync/clients_contacts", contact_body(world, responsible_user_id=world.fake_account.admin_id)
    )
    assert known.status_code == 200
    assert world.fake_account.contacts[known.json()["data"]].responsible_user_id == world.fake_account.admin_id
