"""FakeOneC's request types: happy paths, 1C-style 400s naming the field, and what the base stores."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.onec_helpers import (
    PATH,
    REF,
    URL_ADDRESS,
    answer_json,
    answer_text,
    call,
    company,
    contact,
    make_fake,
    onec_client,
    payload,
)

COUNTERPARTY_LINK = URL_ADDRESS + "#e1cib/data/Справочник.Контрагенты?ref="


async def test_onec_get_handlers_version_answers_configured_version_with_bom() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        first = await call(client, "get_handlers_version")
        fake.handlers_version = "2.0.0"
        second = await call(client, "get_handlers_version")
    assert first.status_code == 200
    assert first.content.startswith(b"\xef\xbb\xbf{")
    assert answer_json(first) == {"version": "1.4.2"}
    assert answer_json(second) == {"version": "2.0.0"}


async def test_onec_new_lead_contact_creates_individual() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        response = await call(
            client, "new_lead", clients={"contact": contact(phone="+79990001122", p_55501="VIP", note="x")}
        )
    answer = answer_json(response)
    assert response.status_code == 200
    assert set(answer) == {"link", "id_1c"}
    assert REF.fullmatch(answer["id_1c"])
    assert answer["link"].startswith(COUNTERPARTY_LINK)
    stored = fake.counterparties[answer["id_1c"]]
    assert (stored.kind, stored.legal_form, stored.amo_id, stored.name) == ("contact", "ФизЛицо", 501, "Иван Петров")
    assert stored.phone == "+79990001122"
    assert stored.fields == {"p_55501": "VIP"}


@pytest.mark.parametrize("inn", ["7707083893", "500100732259", "190000001", 7707083893])
async def test_onec_new_lead_company_accepts_ru_inn_and_by_unp(inn: Any) -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        response = await call(client, "new_lead", clients={"company": company(inn=inn)})
    assert response.status_code == 200
    stored = fake.counterparties[answer_json(response)["id_1c"]]
    assert (stored.kind, stored.legal_form, stored.inn) == ("company", "ЮрЛицо", str(inn))


@pytest.mark.parametrize("inn", [None, ""])
async def test_onec_new_lead_company_without_inn_is_400(inn: Any) -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        response = await call(client, "new_lead", clients={"company": company(inn=inn)})
    assert response.status_code == 400
    assert "Не заполнен ИНН" in answer_text(response)
    assert "clients.company.inn" in response.text
    assert fake.counterparties == {}


@pytest.mark.parametrize("inn", ["12345", "77070838931", "77O7083893", True])
async def test_onec_new_lead_company_with_invalid_inn_is_400(inn: Any) -> None:
    async with onec_client(make_fake()) as client:
        response = await call(client, "new_lead", clients={"company": company(inn=inn)})
    assert response.status_code == 400
    assert "Некорректный ИНН" in answer_text(response)


async def test_onec_new_lead_same_amo_id_twice_updates_same_counterparty() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        first = answer_json(await call(client, "new_lead", clients={"contact": contact(phone="1")}))
        second = answer_json(await call(client, "new_lead", clients={"contact": contact(name="Иван П.")}))
    assert first == second
    stored = fake.counterparties[first["id_1c"]]
    assert (stored.name, stored.phone, stored.writes) == ("Иван П.", "1", 2)
    assert len(fake.counterparties) == 1


async def test_onec_new_lead_known_id_1c_updates_it_and_contact_company_are_separate() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        person = answer_json(await call(client, "new_lead", clients={"contact": contact(amo_id=42)}))
        firm = answer_json(await call(client, "new_lead", clients={"company": company(amo_id=42)}))
        relinked = answer_json(
            await call(client, "new_lead", clients={"contact": contact(amo_id=43, id_1c=person["id_1c"])})
        )
    assert person["id_1c"] != firm["id_1c"]
    assert relinked == person
    assert fake.counterparties[person["id_1c"]].amo_id == 43


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id_base": "b7e1c2d4-base", "type": "get_orders", "id": 1}, "key"),
        ({"key": 29384756, "type": "get_orders", "id": 1}, "id_base"),
        ({"key": 29384756, "id_base": "b7e1c2d4-base"}, "type"),
        (payload("get_orders"), "id"),
        (payload("new_lead"), "clients"),
        (payload("new_lead", clients={}), "clients.contact"),
        (payload("new_lead", clients={"contact": {"name": "A", "responsible_user_id": 1}}), "clients.contact.id"),
        (payload("new_lead", clients={"contact": {"id": 1, "responsible_user_id": 1}}), "clients.contact.name"),
        (payload("new_lead", clients={"company": {"id": 1, "name": "A", "inn": "190000001"}}), "responsible_user_id"),
        (payload("new_order", name="Сделка", responsible_user_id=1), "id"),
        (payload("new_order", id=1, responsible_user_id=1), "name"),
        (payload("new_order", id=1, name="Сделка"), "responsible_user_id"),
        (payload("new_order", id=1, name="С", responsible_user_id=1, clients={"contact": {"id": 5}}), "name"),
        (payload("corr_table"), "table"),
        (payload("corr_table", table=[{"amo_id": 1, "entity_name": "Контакт"}]), "table[0].amo_name"),
        (payload("corr_table", table=[{"amo_name": "ИНН", "entity_name": "Компания"}]), "table[0].amo_id"),
        (payload("corr_table", table={"amo_name": "ИНН", "amo_id": 3}), "table[0].entity_name"),
    ],
)
async def test_onec_missing_required_field_is_400_naming_it(body: dict[str, Any], field: str) -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        response = await client.post(PATH, json=body)
    assert response.status_code == 400
    text = answer_text(response)
    assert text.startswith("Не заполнено обязательное поле")
    assert f'{field}"' in text
    assert fake.orders == {} and fake.counterparties == {}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (payload("delete_everything"), "delete_everything"),
        ({**payload("get_handlers_version"), "key": 1}, '"key"'),
        ({**payload("get_handlers_version"), "id_base": "other"}, '"id_base"'),
        (payload("get_orders", id="abc"), '"id"'),
        (payload("corr_table", table=[{"amo_name": "A", "amo_id": 1, "entity_name": "Задача"}]), "Задача"),
        (payload("corr_table", table="ИНН"), '"table"'),
        (payload("new_lead", clients={"contact": contact(), "company": company()}), "clients.contact"),
    ],
)
async def test_onec_invalid_request_is_400_with_reason(body: dict[str, Any], needle: str) -> None:
    async with onec_client(make_fake()) as client:
        response = await client.post(PATH, json=body)
    assert response.status_code == 400
    assert needle in answer_text(response)


async def test_onec_unconfigured_key_and_base_accept_any() -> None:
    fake = make_fake(account_id=None, id_base=None)
    async with onec_client(fake) as client:
        response = await client.post(PATH, json={"key": "1", "id_base": "x", "type": "get_handlers_version"})
    assert response.status_code == 200


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe{}"])
async def test_onec_body_that_is_not_a_json_object_is_400(body: bytes) -> None:
    async with onec_client(make_fake()) as client:
        response = await client.post(PATH, content=body)
    assert response.status_code == 400
    assert answer_text(response)


async def test_onec_corr_table_stores_rows_and_replaces_per_entity() -> None:
    fake = make_fake()
    first = [
        {"amo_name": "Телефон", "amo_id": 101, "entity_name": "Контакт"},
        {"amo_name": "ИНН", "amo_id": 202, "entity_name": "Компания"},
        {"amo_name": "Бюджет", "amo_id": "price", "entity_name": "Сделка"},
    ]
    async with onec_client(fake) as client:
        answer = answer_json(await call(client, "corr_table", user_id=7001, table=first))
        single = {"amo_name": "Email", "amo_id": 102, "entity_name": "Контакт"}
        again = await call(client, "corr_table", table=single)
    assert answer == {"version": "1.4.2"}
    assert again.status_code == 200
    assert [row.to_json() for row in fake.corr_tables["Контакт"]] == [single]
    assert [row.amo_id for row in fake.corr_tables["Компания"]] == [202]
    assert fake.corr_tables["Сделка"][0].amo_name == "Бюджет"
    assert "Сотрудник" not in fake.corr_tables


async def test_onec_new_order_creates_order_and_its_clients() -> None:
    fake = make_fake()
    clients = {"contact": contact(), "company": company()}
    async with onec_client(fake) as client:
        response = await call(
            client, "new_order", id=3301, name="Поставка", responsible_user_id=7001, clients=clients, p_77="да"
        )
    answer = answer_json(response)
    assert REF.fullmatch(answer["id_1c"])
    assert answer["link"].startswith(URL_ADDRESS + "#e1cib/data/Документ.ЗаказКлиента?ref=")
    order = fake.orders[answer["id_1c"]]
    assert (order.deal_id, order.name, order.fields) == (3301, "Поставка", {"p_77": "да"})
    kinds = {fake.counterparties[order.contact_id_1c or ""].kind, fake.counterparties[order.company_id_1c or ""].kind}
    assert kinds == {"contact", "company"}


async def test_onec_new_order_is_idempotent_by_deal_id_and_id_1c() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        first = answer_json(await call(client, "new_order", id=10, name="A", responsible_user_id=1))
        by_deal = answer_json(await call(client, "new_order", id=10, name="B", responsible_user_id=2))
        by_ref = answer_json(
            await call(client, "new_order", id=10, name="C", responsible_user_id=2, id_1c=first["id_1c"])
        )
        other = answer_json(await call(client, "new_order", id=11, name="D", responsible_user_id=2))
    assert first == by_deal == by_ref
    assert other["id_1c"] != first["id_1c"]
    assert fake.orders[first["id_1c"]].name == "C"
    assert fake.orders[first["id_1c"]].writes == 3
    assert len(fake.orders) == 2


async def test_onec_new_order_with_bad_client_writes_nothing() -> None:
    fake = make_fake()
    clients = {"contact": contact(), "company": company(inn="")}
    async with onec_client(fake) as client:
        response = await call(client, "new_order", id=10, name="A", responsible_user_id=1, clients=clients)
    assert response.status_code == 400
    assert "Не заполнен ИНН" in answer_text(response)
    assert fake.orders == {} and fake.counterparties == {} and fake.documents == {}
