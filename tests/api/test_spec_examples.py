"""Every example of spec section 2, filled with the values a real 1C base sends, checked field by field against
what the spec says each field means — in the state of the fake amoCRM and in amo1c's answers."""

from __future__ import annotations

from typing import Any

from backend.crypto import SecretBox
from backend.models import BaseRequest, EventName, EventRule, FieldMapping, MappingKind
from backend.sync.approval import approve
from tests.api.conftest import World
from tests.factories import ADMIN_AUTH, basic, field_values, linked_ids

ID_BASE = "УТ11_Центральная"
LOGIN, PASSWORD = "ОбменAmo", "Пароль-1С-2026"
AUTH = basic(LOGIN, PASSWORD)
CONTACT_1C = "7f1c2a4e-9b3d-11ee-8c90-0242ac120002"
COMPANY_1C = "7f1c2a4e-9b3d-11ee-8c90-0242ac120003"
ORDER_1C = "7f1c2a4e-9b3d-11ee-8c90-0242ac120004"


async def call(world: World, path: str, fields: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    """A section-2 call as 1C makes it; returns the envelope's data after checking the envelope."""
    body = {"key": str(world.account.id), "id_base": ID_BASE, **fields}
    response = await world.client.post(path, json=body, headers=AUTH if headers is None else headers)
    envelope = response.json()
    assert response.status_code == 200 and envelope["success"] is True and envelope["error"] is None, envelope
    return envelope["data"]


async def test_the_spec_examples_of_section_2_do_what_each_field_means(world: World) -> None:
    account = world.fake_account
    manager = next(user for user in account.users if user != account.admin_id) if len(account.users) > 1 else None
    responsible = manager or account.admin_id

    # 2.1 check_active: data true while the integration is installed
    active = await world.client.get("/sync/check_active", params={"key": world.account.id})
    assert active.json() == {"success": True, "data": True, "error": None}

    # 2.2 base: data null; the base exists once the account's admin approved it
    link = {
        "web_address": "https://1c.example.ru/ut11/hs/amo1c/handler",
        "url_address": "https://1c.example.ru/ut11",
        "param1": LOGIN,
        "param2": PASSWORD,
    }
    assert await call(world, "/sync/base", link, headers={}) is None
    request = await BaseRequest.get(account_id=world.account.id, id_base=ID_BASE)
    base = await approve(world.account.id, request.id, request.revision, SecretBox(world.settings.secret_key))
    assert (base.web_address, base.url_address, base.param1) == (link["web_address"], link["url_address"], LOGIN)

    # 2.7 save_fields: every other key is one correspondence row (an amoCRM field id ↔ the 1C field name)
    position = next(f for f in account.custom_fields["contacts"] if f.code == "POSITION")
    assert await call(world, "/sync/clients_contacts_save_fields", {f"p_{position.id}": "Должность"}) is None
    rows = await FieldMapping.filter(base_id=base.id, kind=MappingKind.CONTACT)
    assert [(row.amo_field_id, row.onec_field) for row in rows] == [(position.id, "Должность")]

    # 2.3 clients_contacts: data = the contact's id; name, responsible, phone, email and mapped fields written
    contact_id = await call(
        world,
        "/sync/clients_contacts",
        {
            "id_1c": CONTACT_1C,
            "link": f"{link['url_address']}#e1cib/data/Справочник.Контрагенты?ref=8c900242ac120002",
            "name": "Волкова Марина Сергеевна",
            "responsible_user_id": str(responsible),
            "email": "m.volkova@example.ru",
            "phone": "+7 (921) 555-44-33",
            "Должность": "Главный бухгалтер",
        },
    )
    contact = account.contacts[contact_id]
    assert (contact.name, contact.responsible_user_id) == ("Волкова Марина Сергеевна", responsible)
    values = field_values(account, "contacts", contact_id)
    assert values["PHONE"] == ["+7 (921) 555-44-33"] and values["EMAIL"] == ["m.volkova@example.ru"]
    assert values["POSITION"] == ["Главный бухгалтер"] and values["ID 1С"] == [CONTACT_1C]

    # 2.4 clients_companies: data = the company's id; name, INN and responsible written
    company_id = await call(
        world,
        "/sync/clients_companies",
        {
            "id_1c": COMPANY_1C,
            "link": f"{link['url_address']}#e1cib/data/Справочник.Контрагенты?ref=8c900242ac120003",
            "name": "ООО «Василёк»",
            "inn": "7728 123 456",
            "responsible_user_id": responsible,
        },
    )
    company = account.companies[company_id]
    assert (company.name, company.responsible_user_id) == ("ООО «Василёк»", responsible)
    assert field_values(account, "companies", company_id)["ИНН"] == ["7728123456"]

    # 2.5 order (posted to /sync/leads): data = the deal's id; budget, number, link, contact and company
    order_link = f"{link['url_address']}#e1cib/data/Документ.ЗаказКлиента?ref=8c900242ac120004"
    deal_id = await call(
        world,
        "/sync/leads",
        {
            "id_1c": ORDER_1C,
            "link": order_link,
            "company_id": company_id,
            "contact_id": str(contact_id),
            "budget": "248 900,50",
            "order_number": "УТ-00000058",
            "responsible_user_id": responsible,
        },
    )
    deal = account.leads[deal_id]
    assert (deal.price, deal.responsible_user_id, deal.name) == (248901, responsible, "Заказ 1С №УТ-00000058")
    deal_values = field_values(account, "leads", deal_id)
    assert deal_values["Номер заказа 1С"] == ["УТ-00000058"] and deal_values["Ссылка на заказ 1С"] == [order_link]
    assert linked_ids(account, "leads", deal_id, "contacts") == {contact_id}
    assert linked_ids(account, "leads", deal_id, "companies") == {company_id}

    # 2.6 process_event: data = the deal's id; the rule moves it, a note tells sum, debt and document
    paid = next(s.id for s in account.main_pipeline().statuses if s.id not in (142, 143) and s.id != deal.status_id)
    await EventRule.create(
        account_id=world.account.id, event_name=EventName.PART_PAYMENT, pipeline_id=deal.pipeline_id, status_id=paid
    )
    event = {
        "event_name": "part_payment",
        "id_1c": ORDER_1C,
        "sum": "100 000,00",
        "debt_sum": "148 900,50",
        "document_name": "Поступление на расчётный счёт № 31 от 02.12.2026",
    }
    assert await call(world, "/sync/process_event", event) == deal_id
    assert account.leads[deal_id].status_id == paid
    notes = [note.params["text"] for note in account.notes.values() if note.entity_id == deal_id]
    assert notes == [
        "1С: Частичная оплата, сумма 100\u00a0000,00, остаток долга 148\u00a0900,50. "
        "Документ: Поступление на расчётный счёт № 31 от 02.12.2026."
    ]

    # 2.10, 2.8, 2.9 handler packages: set (operator's Basic Auth), then the version and the package itself
    package = {"ОбщийМодуль.amo1c_Обмен": "Процедура Обмен() Экспорт\nКонецПроцедуры"}
    assert await call(world, "/update_handlers/set_handlers", {"handlers": package}, ADMIN_AUTH) == {"version": 1}
    assert await call(world, "/update_handlers/get_actual_version", {}) == {"version": 1}
    assert await call(world, "/update_handlers/get_actual_handlers", {}) == {"version": 1, "handlers": package}
