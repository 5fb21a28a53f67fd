"""FakeAmoCRM account settings: users, pipelines with system statuses, custom field definitions."""

from __future__ import annotations

import pytest

from tests.fakes.amocrm_helpers import FakeClock, make_fake, open_session


async def test_amocrm_users_seeded_with_one_admin() -> None:
    async with open_session() as s:
        users = (await s.get("/api/v4/users")).json()["_embedded"]["users"]
        one = await s.get(f"/api/v4/users/{users[1]['id']}")
        missing = await s.get("/api/v4/users/1")
    assert len(users) >= 3
    assert [u["rights"]["is_admin"] for u in users].count(True) == 1
    assert all(any("а" <= ch <= "я" for ch in u["name"].lower()) for u in users)
    assert one.json()["name"] == users[1]["name"]
    assert missing.status_code == 204


async def test_amocrm_pipelines_carry_system_statuses() -> None:
    async with open_session() as s:
        body = (await s.get("/api/v4/leads/pipelines")).json()
        pipelines = body["_embedded"]["pipelines"]
        one = (await s.get(f"/api/v4/leads/pipelines/{pipelines[1]['id']}")).json()
    assert len(pipelines) >= 2
    assert [p["is_main"] for p in pipelines].count(True) == 1
    for pipeline in pipelines:
        ids = [st["id"] for st in pipeline["_embedded"]["statuses"]]
        assert 142 in ids and 143 in ids
        assert len(ids) >= 4
    assert one["id"] == pipelines[1]["id"]


async def test_amocrm_seeded_custom_fields() -> None:
    async with open_session() as s:

        async def fields(entity: str) -> list[dict[str, object]]:
            response = await s.get(f"/api/v4/{entity}/custom_fields")
            assert response.status_code == 200
            result: list[dict[str, object]] = response.json()["_embedded"]["custom_fields"]
            return result

        contacts, companies, leads = await fields("contacts"), await fields("companies"), await fields("leads")
    by_code = {f["code"]: f for f in contacts}
    phone_enums = by_code["PHONE"]["enums"]
    assert isinstance(phone_enums, list)
    assert [e["code"] for e in phone_enums] == ["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"]
    assert by_code["POSITION"]["name"] == "Должность"
    assert {f["code"] for f in companies} >= {"PHONE", "EMAIL", "WEB", "ADDRESS"}
    inn = next(f for f in companies if f["name"] == "ИНН")
    assert (inn["code"], inn["type"], inn["enums"]) == (None, "text", None)
    assert {(f["name"], f["type"]) for f in leads} == {
        ("Номер заказа 1С", "text"),
        ("Ссылка на заказ 1С", "url"),
        ("Долг", "numeric"),
    }
    all_ids = [f["id"] for f in contacts + companies + leads]
    assert len(all_ids) == len(set(all_ids))
    assert set(leads[0]) >= {"id", "name", "code", "sort", "type", "entity_type", "is_api_only", "enums"}


async def test_amocrm_custom_fields_are_paged_by_fifty() -> None:
    async with open_session() as s:
        s.fake.add_custom_fields(s.account.id, "leads", [{"name": f"Поле {i}", "type": "text"} for i in range(100)])
        names: list[str] = []
        pages = 0
        url: str | None = "/api/v4/leads/custom_fields"
        while url is not None:
            body = (await s.get(url)).json()
            pages += 1
            assert len(body["_embedded"]["custom_fields"]) <= 50
            names += [f["name"] for f in body["_embedded"]["custom_fields"]]
            url = body["_links"].get("next", {}).get("href")
        wide = (await s.get("/api/v4/leads/custom_fields", params={"limit": 250})).json()
    assert pages == 3
    assert len(names) == 103
    assert len(wide["_embedded"]["custom_fields"]) == 103
    assert "next" not in wide["_links"]


async def test_amocrm_added_select_field_accepts_only_its_options() -> None:
    async with open_session() as s:
        (source,) = s.fake.add_custom_fields(
            s.account.id, "leads", [{"name": "Источник", "type": "select", "enums": ["Сайт", "Звонок"]}]
        )
        good = await s.post(
            "/api/v4/leads", [{"custom_fields_values": [{"field_id": source.id, "values": [{"value": "Сайт"}]}]}]
        )
        bad = await s.post(
            "/api/v4/leads", [{"custom_fields_values": [{"field_id": source.id, "values": [{"value": "Почта"}]}]}]
        )
    assert good.status_code == 200
    assert bad.status_code == 400


def test_amocrm_add_custom_fields_rejects_bad_specs() -> None:
    fake = make_fake(FakeClock())
    account = fake.add_account()
    with pytest.raises(ValueError, match="type"):
        fake.add_custom_fields(account.id, "leads", [{"name": "X", "type": "hologram"}])
    with pytest.raises(ValueError, match="entity"):
        fake.add_custom_fields(account.id, "customers", [{"name": "X"}])
    with pytest.raises(ValueError, match="PHONE"):
        fake.add_custom_fields(account.id, "contacts", [{"name": "Ещё телефон", "type": "multitext", "code": "PHONE"}])
    with pytest.raises(ValueError, match="taken"):
        fake.add_account(subdomain=account.subdomain)
