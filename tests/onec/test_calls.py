"""The five request types of spec section 1 against the fake 1C base, and what goes over the wire."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from backend.fakes.onec import BOM
from backend.onec import Document, Saved
from tests.onec.rig import (
    ACCOUNT_ID,
    ID_BASE,
    LOGIN,
    PASSWORD,
    Scripted,
    answer,
    connection,
    fake_client,
    make_fake,
    public_resolver,
    scripted_client,
)

CONTACT = {"id": 501, "name": "Иван Петров", "responsible_user_id": 7001, "phone": "+79990001122", "p_3301": "VIP"}
COMPANY = {"id": 901, "name": "ООО «Ромашка»", "responsible_user_id": 7001, "inn": "7707083893"}


async def test_get_orders_returns_the_order_tree_new_order_created() -> None:
    fake = make_fake()
    async with fake_client(fake) as onec:
        saved = await onec.new_order(
            connection(),
            {"id": 3001, "name": "Поставка бумаги", "responsible_user_id": 7001, "clients": {"company": COMPANY}},
        )
        documents = await onec.get_orders(connection(), 3001)
    root, *children = documents
    assert root.link == saved.link
    assert root.parent_link == ""
    assert root.title.startswith("Заказ клиента № ")
    assert [child.parent_link for child in children] == [saved.link] * 3
    assert [child.title.split(" № ")[0] for child in children] == [
        "Счет на оплату",
        "Поступление безналичных денежных средств",
        "Реализация товаров и услуг",
    ]
    assert children[0].google_drive_link.startswith("https://drive.google.com/file/d/")
    assert all(document.doc_type == "leads" for document in documents)


async def test_get_orders_keeps_every_field_of_seeded_documents() -> None:
    fake = make_fake()
    fake.add_documents(
        77,
        [
            {"title": "Заказ клиента № 1", "link": "e1c://order/1"},
            {
                "title": "Счет на оплату № 1",
                "link": "e1c://invoice/1",
                "parent_link": "e1c://order/1",
                "google_drive_id": "1AbC",
                "google_drive_link": "https://drive.google.com/file/d/1AbC/view",
            },
        ],
    )
    async with fake_client(fake) as onec:
        documents = await onec.get_orders(connection(), 77)
        nothing = await onec.get_orders(connection(), 78)
    assert documents == [
        Document("Заказ клиента № 1", "leads", "e1c://order/1", "", "", ""),
        Document(
            "Счет на оплату № 1",
            "leads",
            "e1c://invoice/1",
            "e1c://order/1",
            "1AbC",
            "https://drive.google.com/file/d/1AbC/view",
        ),
    ]
    assert nothing == []
    assert fake.requests_of("get_orders")[0].body == {
        "key": ACCOUNT_ID,
        "id_base": ID_BASE,
        "type": "get_orders",
        "id": 77,
    }


async def test_get_orders_reads_a_generated_tree_of_many_documents() -> None:
    fake = make_fake()
    generated = fake.generate_documents(5, 60)
    async with fake_client(fake) as onec:
        documents = await onec.get_orders(connection(), 5)
    assert [d.link for d in documents] == [g.link for g in generated]
    links = {d.link for d in documents}
    assert all(d.parent_link in links for d in documents[1:])


async def test_new_lead_sends_a_contact_under_clients_contact() -> None:
    fake = make_fake()
    async with fake_client(fake) as onec:
        saved = await onec.new_lead(connection(), contact=CONTACT)
    body = fake.requests_of("new_lead")[0].body
    assert body == {"key": ACCOUNT_ID, "id_base": ID_BASE, "type": "new_lead", "clients": {"contact": CONTACT}}
    counterparty = fake.counterparties[saved.id_1c]
    assert (counterparty.kind, counterparty.amo_id, counterparty.link) == ("contact", 501, saved.link)
    assert counterparty.fields == {"p_3301": "VIP"}


async def test_new_lead_sends_a_company_under_clients_company_and_updates_it_later() -> None:
    fake = make_fake()
    async with fake_client(fake) as onec:
        first = await onec.new_lead(connection(), company=COMPANY)
        again = await onec.new_lead(connection(), company={**COMPANY, "id_1c": first.id_1c, "name": "ООО «Лютик»"})
    assert again == first
    counterparty = fake.counterparties[first.id_1c]
    assert (counterparty.kind, counterparty.name, counterparty.inn, counterparty.writes) == (
        "company",
        "ООО «Лютик»",
        "7707083893",
        2,
    )
    assert "contact" not in fake.requests_of("new_lead")[0].body["clients"]


async def test_new_lead_refuses_both_or_neither_client() -> None:
    fake = make_fake()
    async with fake_client(fake) as onec:
        for kwargs in ({}, {"contact": CONTACT, "company": COMPANY}):
            try:
                await onec.new_lead(connection(), **kwargs)
            except ValueError as exc:
                assert "exactly one" in str(exc)
            else:
                raise AssertionError("new_lead accepted a wrong number of clients")
    assert fake.requests == []


async def test_new_order_adds_key_base_and_type_over_the_callers_keys() -> None:
    fake = make_fake()
    order = {"type": "spoofed", "key": 1, "id": 3002, "name": "Заказ", "responsible_user_id": 7001}
    async with fake_client(fake) as onec:
        saved = await onec.new_order(connection(), order)
    body = fake.requests_of("new_order")[0].body
    assert body == {
        "key": ACCOUNT_ID,
        "id_base": ID_BASE,
        "type": "new_order",
        "id": 3002,
        "name": "Заказ",
        "responsible_user_id": 7001,
    }
    assert isinstance(saved, Saved)
    assert fake.orders[saved.id_1c].deal_id == 3002


async def test_get_handlers_version_returns_the_installed_version() -> None:
    fake = make_fake(handlers_version="2.7.1")
    async with fake_client(fake) as onec:
        assert await onec.get_handlers_version(connection()) == "2.7.1"
    assert fake.requests[0].body == {"key": ACCOUNT_ID, "id_base": ID_BASE, "type": "get_handlers_version"}


async def test_corr_table_stores_rows_per_entity_and_answers_the_version() -> None:
    fake = make_fake()
    rows: list[dict[str, Any]] = [
        {"amo_name": "Телефон", "amo_id": 3301, "entity_name": "Контакт"},
        {"amo_name": "ИНН", "amo_id": 3302, "entity_name": "Компания"},
        {"amo_name": "Бюджет", "amo_id": "price", "entity_name": "Сделка"},
        {"amo_name": "Иван Иванов", "amo_id": 7001, "entity_name": "Сотрудник"},
    ]
    async with fake_client(fake) as onec:
        version = await onec.corr_table(connection(), rows, 7001)
    assert version == "1.4.2"
    assert {entity: [row.amo_id for row in table] for entity, table in fake.corr_tables.items()} == {
        "Контакт": [3301],
        "Компания": [3302],
        "Сделка": ["price"],
        "Сотрудник": [7001],
    }
    assert fake.corr_table_user_id == 7001
    assert fake.requests[0].body["table"] == rows


async def test_corr_table_leaves_out_a_missing_user_id() -> None:
    fake = make_fake()
    async with fake_client(fake) as onec:
        await onec.corr_table(connection(), [{"amo_name": "ИНН", "amo_id": 1, "entity_name": "Компания"}], None)
    assert "user_id" not in fake.requests[0].body


async def test_cyrillic_login_is_sent_as_utf8_basic_auth_and_accepted() -> None:
    fake = make_fake()
    async with fake_client(fake) as onec:
        await onec.get_handlers_version(connection())
    assert fake.requests[0].auth_ok is True
    assert fake.requests[0].login == LOGIN


async def test_the_injected_clients_own_auth_and_cookies_are_not_used() -> None:
    fake = make_fake()
    options = {"auth": ("someone", "else"), "cookies": {"ibsession": "другой-аккаунт"}}
    async with fake_client(fake, http_options=options) as onec:
        assert await onec.get_handlers_version(connection()) == "1.4.2"
    assert fake.requests[0].login == LOGIN


async def test_request_is_utf8_json_with_accept_auth_and_an_explicit_timeout() -> None:
    script = Scripted(answer({"link": "e1c://counterparty/1", "id_1c": 42}))
    async with scripted_client(script, seconds=45.0) as onec:
        saved = await onec.new_lead(connection(), contact=CONTACT)
    assert saved == Saved(link="e1c://counterparty/1", id_1c="42")
    request = script.requests[0]
    assert request.method == "POST"
    assert str(request.url) == connection().web_address
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    token = request.headers["authorization"].removeprefix("Basic ")
    assert base64.b64decode(token).decode("utf-8") == f"{LOGIN}:{PASSWORD}"
    assert "Иван Петров".encode() in request.content
    assert b"\\u" not in request.content
    assert request.extensions["timeout"] == {"connect": 10.0, "read": 45.0, "write": 45.0, "pool": 45.0}


async def test_a_short_timeout_caps_the_connect_timeout_too() -> None:
    script = Scripted(answer({"version": "1"}))
    async with scripted_client(script, seconds=3.0) as onec:
        await onec.get_handlers_version(connection())
    assert script.requests[0].extensions["timeout"]["connect"] == 3.0


async def test_answers_with_and_without_bom_are_read_alike() -> None:
    script = Scripted(answer({"version": "3.1"}, bom=True), answer({"version": "3.1"}, bom=False))
    async with scripted_client(script) as onec:
        with_bom = await onec.get_handlers_version(connection())
        without = await onec.get_handlers_version(connection())
    assert with_bom == without == "3.1"


async def test_the_fakes_answers_really_start_with_a_bom() -> None:
    fake = make_fake()
    seen: list[bytes] = []

    async def keep_body(response: httpx.Response) -> None:
        seen.append(await response.aread())

    async with fake_client(fake, http_options={"event_hooks": {"response": [keep_body]}}) as onec:
        assert await onec.get_handlers_version(connection()) == "1.4.2"
    assert seen[0].startswith(BOM)


async def test_a_public_host_is_resolved_then_called() -> None:
    fake = make_fake()
    hosts: list[str] = []
    async with fake_client(fake, allow_private=False, resolver=public_resolver(hosts)) as onec:
        assert await onec.get_handlers_version(connection()) == "1.4.2"
    assert hosts == ["onec.test"]
