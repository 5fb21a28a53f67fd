"""FakeAmoCRM contacts, companies and leads: search, filters, paging, create, update, validation."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.fakes.amocrm_helpers import email, open_session, phone


async def test_amocrm_search_without_match_is_204_with_empty_body() -> None:
    async with open_session() as s:
        await s.create("contacts", {"name": "Анна Иванова", "custom_fields_values": [phone("+79990000001")]})
        response = await s.get("/api/v4/contacts", params={"query": "Пётр"})
        empty_account = await s.get("/api/v4/leads")
    assert response.status_code == 204
    assert response.content == b""
    assert empty_account.status_code == 204
    assert empty_account.content == b""


async def test_amocrm_search_finds_contact_by_phone_email_and_name() -> None:
    async with open_session() as s:
        target, _other = await s.create(
            "contacts",
            {"name": "Анна Иванова", "custom_fields_values": [phone("89991234567"), email("Anna@Shop.ru")]},
            {"name": "Борис", "custom_fields_values": [phone("+7 495 000-00-00")]},
        )

        async def found(query: str) -> list[int]:
            response = await s.get("/api/v4/contacts", params={"query": query})
            if response.status_code == 204:
                return []
            assert response.headers["content-type"] == "application/hal+json"
            return [c["id"] for c in response.json()["_embedded"]["contacts"]]

        assert await found("+7 (999) 123-45-67") == [target]
        assert await found("9991234567") == [target]
        assert await found("anna@shop.ru") == [target]
        assert await found("иванова") == [target]
        assert await found("+7 (999) 123-45-68") == []
        assert await found("999 1") == [], "short digit runs do not trigger the phone rule"


async def test_amocrm_filter_by_several_ids_in_every_bracket_form() -> None:
    async with open_session() as s:
        ids = await s.create("contacts", *({"name": f"Контакт {i}"} for i in range(4)))
        wanted = [ids[0], ids[2]]
        forms = [
            [("filter[id][]", str(i)) for i in wanted],
            [(f"filter[id][{n}]", str(i)) for n, i in enumerate(wanted)],
            [("filter[id]", f"{wanted[0]},{wanted[1]}")],
        ]
        for params in forms:
            response = await s.get("/api/v4/contacts", params=params)
            assert [c["id"] for c in response.json()["_embedded"]["contacts"]] == wanted, params
        single = await s.get("/api/v4/contacts", params={"filter[id]": str(ids[3])})
        assert [c["id"] for c in single.json()["_embedded"]["contacts"]] == [ids[3]]


async def test_amocrm_pagination_follows_next_across_three_pages() -> None:
    async with open_session() as s:
        ids = await s.create("companies", *({"name": f"ООО {i}"} for i in range(5)))
        seen: list[int] = []
        url: str | None = "/api/v4/companies?limit=2"
        pages = []
        while url is not None:
            response = await s.get(url)
            assert response.status_code == 200
            body = response.json()
            pages.append(body["_page"])
            seen += [c["id"] for c in body["_embedded"]["companies"]]
            url = body["_links"].get("next", {}).get("href")
        exact = (await s.get("/api/v4/companies", params={"limit": 5})).json()
        beyond = await s.get("/api/v4/companies", params={"limit": 2, "page": 4})
        too_big = await s.get("/api/v4/companies", params={"limit": 251})
    assert pages == [1, 2, 3]
    assert seen == ids
    assert "next" not in exact["_links"], "a page that ends exactly at the last item has no next"
    assert beyond.status_code == 204
    assert too_big.status_code == 400
    assert too_big.headers["content-type"] == "application/problem+json"


async def test_amocrm_next_link_keeps_query_and_filters() -> None:
    async with open_session() as s:
        await s.create("contacts", *({"name": f"Иван {i}"} for i in range(3)))
        body = (await s.get("/api/v4/contacts", params={"query": "иван", "limit": 2})).json()
    next_query = parse_qs(urlsplit(body["_links"]["next"]["href"]).query)
    assert next_query == {"query": ["иван"], "page": ["2"], "limit": ["2"]}


async def test_amocrm_post_requires_array_and_answers_request_ids() -> None:
    async with open_session() as s:
        not_array = await s.post("/api/v4/contacts", {"name": "Один"})
        created = await s.post("/api/v4/leads", [{"name": "Заказ", "request_id": "ord-1"}, {"price": 10}])
    assert not_array.status_code == 400
    assert not_array.headers["content-type"] == "application/problem+json"
    assert s.account.contacts == {}
    assert created.status_code == 200
    items = created.json()["_embedded"]["leads"]
    assert [i["request_id"] for i in items] == ["ord-1", "1"]
    assert all(i["_links"]["self"]["href"].endswith(f"/api/v4/leads/{i['id']}") for i in items)
    assert set(s.account.leads) == {i["id"] for i in items}


async def test_amocrm_lead_defaults_to_main_pipeline_first_open_status() -> None:
    async with open_session() as s:
        (lead_id,) = await s.create("leads", {"price": 1500})
        lead = (await s.get(f"/api/v4/leads/{lead_id}")).json()
    main = s.account.main_pipeline()
    assert lead["pipeline_id"] == main.id
    assert lead["status_id"] == main.statuses[1].id
    assert lead["name"] == f"Сделка #{lead_id}"
    assert lead["price"] == 1500


async def test_amocrm_get_one_and_missing_one() -> None:
    async with open_session() as s:
        (contact_id,) = await s.create("contacts", {"first_name": "Ольга", "last_name": "Белова"})
        one = await s.get(f"/api/v4/contacts/{contact_id}")
        missing = await s.get("/api/v4/contacts/999")
    assert one.status_code == 200
    assert one.json()["name"] == "Ольга Белова"
    assert one.json()["_embedded"]["companies"] == []
    assert missing.status_code == 204
    assert missing.content == b""


async def test_amocrm_patch_one_and_many() -> None:
    async with open_session() as s:
        first, second = await s.create("contacts", {"name": "А"}, {"name": "Б"})
        s.clock.advance(60)
        one = await s.patch(f"/api/v4/contacts/{first}", {"name": "А2", "custom_fields_values": [phone("111")]})
        many = await s.patch(
            "/api/v4/contacts", [{"id": first, "request_id": "r1", "name": "А3"}, {"id": second, "name": "Б2"}]
        )
        missing_one = await s.patch("/api/v4/contacts/999", {"name": "X"})
        missing_in_batch = await s.patch("/api/v4/contacts", [{"id": 999, "name": "X"}])
    assert one.status_code == 200
    assert one.json()["id"] == first
    assert one.json()["updated_at"] == int(s.clock.wall)
    assert many.status_code == 200
    assert [i["request_id"] for i in many.json()["_embedded"]["contacts"]] == ["r1", "1"]
    stored = s.account.contacts
    assert (stored[first].name, stored[second].name) == ("А3", "Б2")
    assert stored[first].custom_fields, "a PATCH without custom_fields_values keeps them"
    assert stored[first].created_at < stored[first].updated_at
    assert missing_one.status_code == 404
    assert missing_one.headers["content-type"] == "application/problem+json"
    assert missing_in_batch.status_code == 400


async def test_amocrm_validation_error_shape_and_nothing_stored() -> None:
    async with open_session() as s:
        response = await s.post(
            "/api/v4/contacts",
            [
                {"name": "Хороший", "custom_fields_values": [phone("+79990000000")]},
                {"name": "Плохой", "custom_fields_values": [{"field_id": 1, "values": [{"value": "x"}]}]},
            ],
        )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "validation-errors": [
            {
                "request_id": "1",
                "errors": [
                    {
                        "code": "NotSupportedChoice",
                        "path": "custom_fields_values.0.field_id",
                        "detail": "The value you selected is not a valid choice.",
                    }
                ],
            }
        ],
        "title": "Bad Request",
        "type": "https://httpstatus.es/400",
        "status": 400,
        "detail": "Request validation failed",
    }
    assert s.account.contacts == {}


async def test_amocrm_validation_covers_codes_types_users_pipelines_and_price() -> None:
    async with open_session() as s:
        debt = next(f for f in s.account.fields("leads") if f.name == "Долг")
        other = next(p for p in s.account.pipelines.values() if not p.is_main)
        cases = {
            "custom_fields_values.0.field_code": ("contacts", {"custom_fields_values": [{"field_code": "NOPE"}]}),
            "custom_fields_values.0.values.0.enum_code": ("contacts", {"custom_fields_values": [phone("1", "CELL")]}),
            "custom_fields_values.0.values.0.value": (
                "leads",
                {"custom_fields_values": [{"field_id": debt.id, "values": [{"value": "много"}]}]},
            ),
            "responsible_user_id": ("contacts", {"responsible_user_id": 12345}),
            "pipeline_id": ("leads", {"pipeline_id": 1}),
            "status_id": ("leads", {"pipeline_id": other.id, "status_id": s.account.main_pipeline().statuses[1].id}),
            "price": ("leads", {"price": "100"}),
        }
        for path, (entity, item) in cases.items():
            response = await s.post(f"/api/v4/{entity}", [item])
            assert response.status_code == 400, path
            assert response.json()["validation-errors"][0]["errors"][0]["path"] == path
        email_bad = await s.post("/api/v4/contacts", [{"custom_fields_values": [email("a@b.c", "MOB")]}])
        assert email_bad.status_code == 400
    assert s.account.contacts == s.account.leads == {}


async def test_amocrm_custom_values_are_normalized_on_output() -> None:
    async with open_session() as s:
        debt = next(f for f in s.account.fields("leads") if f.name == "Долг")
        (lead_id,) = await s.create(
            "leads", {"custom_fields_values": [{"field_id": debt.id, "values": [{"value": 250}]}]}
        )
        (contact_id,) = await s.create("contacts", {"custom_fields_values": [phone("+79990000000", "MOB")]})
        lead = (await s.get(f"/api/v4/leads/{lead_id}")).json()
        contact = (await s.get(f"/api/v4/contacts/{contact_id}")).json()
    assert lead["custom_fields_values"] == [
        {
            "field_id": debt.id,
            "field_name": "Долг",
            "field_code": None,
            "field_type": "numeric",
            "values": [{"value": 250}],
        }
    ]
    (phone_value,) = contact["custom_fields_values"]
    assert (phone_value["field_code"], phone_value["field_type"]) == ("PHONE", "multitext")
    assert phone_value["values"][0]["enum_code"] == "MOB"
    assert isinstance(phone_value["values"][0]["enum_id"], int)


async def test_amocrm_lead_status_moves_between_pipelines_and_closes() -> None:
    async with open_session() as s:
        other = next(p for p in s.account.pipelines.values() if not p.is_main)
        (lead_id,) = await s.create("leads", {"pipeline_id": other.id})
        assert s.account.leads[lead_id].status_id == other.statuses[1].id
        won = await s.patch(f"/api/v4/leads/{lead_id}", {"status_id": 142})
    assert won.status_code == 200
    lead = s.account.leads[lead_id]
    assert (lead.pipeline_id, lead.status_id, lead.closed_at) == (other.id, 142, int(s.clock.wall))


async def test_amocrm_with_contacts_on_leads_and_leads_on_contacts() -> None:
    async with open_session() as s:
        anna, boris = await s.create("contacts", {"name": "Анна"}, {"name": "Борис"})
        (company,) = await s.create("companies", {"name": "ООО Ромашка"})
        (lead_id,) = await s.create(
            "leads",
            {
                "name": "Заказ",
                "_embedded": {
                    "contacts": [{"id": anna}, {"id": boris, "is_main": False}],
                    "companies": [{"id": company}],
                },
            },
        )
        plain = (await s.get(f"/api/v4/leads/{lead_id}")).json()
        rich = (await s.get("/api/v4/leads", params={"with": "contacts"})).json()["_embedded"]["leads"][0]
        contact = (await s.get(f"/api/v4/contacts/{anna}", params={"with": "leads"})).json()
    assert "contacts" not in plain["_embedded"]
    assert [c["id"] for c in plain["_embedded"]["companies"]] == [company]
    assert [(c["id"], c["is_main"]) for c in rich["_embedded"]["contacts"]] == [(anna, True), (boris, False)]
    assert [lead["id"] for lead in contact["_embedded"]["leads"]] == [lead_id]


async def test_amocrm_unknown_embedded_contact_is_rejected() -> None:
    async with open_session() as s:
        response = await s.post("/api/v4/leads", [{"_embedded": {"contacts": [{"id": 424242}]}}])
    assert response.status_code == 400
    assert response.json()["validation-errors"][0]["errors"][0]["path"] == "_embedded.contacts.0.id"
    assert s.account.leads == {}
