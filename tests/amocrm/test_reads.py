"""Reading through the client: account, users, pipelines, custom fields, searches, single entities, headers."""

from __future__ import annotations

import httpx
import pytest

from backend.amocrm import ContactDraft
from tests.amocrm.rig import Rig


async def test_account_is_parsed(rig: Rig) -> None:
    info = await rig.client.account()

    assert info.id == rig.account.id
    assert info.name == "ООО Ромашка"
    assert info.subdomain == "demo"
    assert info.current_user_id == rig.account.admin_id
    assert (info.country, info.currency) == ("RU", "RUB")


async def test_users_are_parsed(rig: Rig) -> None:
    users = await rig.client.users()

    assert [(u.id, u.name, u.email, u.is_admin) for u in users] == [
        (u.id, u.name, u.email, u.is_admin) for u in rig.account.users.values()
    ]
    assert [u.is_admin for u in users] == [True, False, False]


async def test_pipelines_are_parsed_with_system_statuses(rig: Rig) -> None:
    pipelines = await rig.client.pipelines()

    assert [(p.name, p.is_main) for p in pipelines] == [("Воронка", True), ("Оптовые продажи", False)]
    main = pipelines[0]
    assert [s.name for s in main.statuses] == [
        "Неразобранное",
        "Первичный контакт",
        "Переговоры",
        "Принимают решение",
        "Согласование договора",
        "Успешно реализовано",
        "Закрыто и не реализовано",
    ]
    assert [s.is_system for s in main.statuses] == [True, False, False, False, False, True, True]
    assert [s.id for s in main.statuses][-2:] == [142, 143]
    assert all(s.pipeline_id == p.id for p in pipelines for s in p.statuses)


async def test_custom_fields_follow_every_page(rig: Rig) -> None:
    rig.fake.add_custom_fields(rig.account.id, "contacts", [{"name": f"Поле {i}", "type": "text"} for i in range(60)])

    fields = await rig.client.custom_fields("contacts")

    assert len(fields) == 63
    assert [f.id for f in fields] == [f.id for f in rig.account.fields("contacts")]
    pages = [r for r in rig.api_log() if r.path == "/api/v4/contacts/custom_fields"]
    assert [(r.status, "page=2" in r.query) for r in pages] == [(200, False), (200, True)]
    phone = next(f for f in fields if f.code == "PHONE")
    assert (phone.type, phone.entity) == ("multitext", "contacts")
    assert [e.code for e in phone.enums] == ["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"]
    assert fields[-1].name == "Поле 59"
    assert fields[-1].code is None
    assert fields[-1].enums == ()


async def test_custom_fields_refuse_an_unknown_entity(rig: Rig) -> None:
    with pytest.raises(ValueError, match="contacts"):
        await rig.client.custom_fields("customers")  # type: ignore[arg-type]
    assert rig.api_log() == []


async def test_search_without_matches_answers_204_and_returns_empty(rig: Rig) -> None:
    assert await rig.client.find_contacts("никого нет") == []
    assert await rig.client.find_companies("никого нет") == []
    assert await rig.client.find_leads("никого нет") == []
    assert {r.status for r in rig.api_log()} == {204}


async def test_search_finds_a_contact_by_phone(rig: Rig) -> None:
    wanted = await rig.client.create_contact(ContactDraft(name="Иван", phones=("+7 (999) 123-45-67",)))
    await rig.client.create_contact(ContactDraft(name="Пётр", phones=("+7 (900) 000-00-00",)))

    found = await rig.client.find_contacts("89991234567")

    assert [c.id for c in found] == [wanted]
    assert found[0].phones == ("+7 (999) 123-45-67",)
    search = rig.api_log()[-1]
    assert "query=89991234567" in search.query


async def test_get_of_a_missing_entity_is_none(rig: Rig) -> None:
    assert await rig.client.get_contact(999_999) is None
    assert await rig.client.get_company(999_999) is None
    assert await rig.client.get_lead(999_999) is None
    assert {r.status for r in rig.api_log()} == {204}


async def test_requests_carry_bearer_accept_and_user_agent(rig: Rig) -> None:
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request)

    rig.http.event_hooks["request"].append(record)
    rig.fake.expire_tokens(rig.account.id)

    await rig.client.account()

    pair = await rig.pair()
    assert [r.url.path for r in sent] == ["/api/v4/account", "/oauth2/access_token", "/api/v4/account"]
    for request in sent:
        assert request.headers["accept"] == "application/json"
        assert request.headers["user-agent"] == "amo1c/0.1"
    assert sent[-1].headers["authorization"] == f"Bearer {pair.access_token}"
    assert "authorization" not in sent[1].headers


async def test_next_links_are_followed_on_our_own_base_only(rig: Rig) -> None:
    rig.fake.add_custom_fields(rig.account.id, "leads", [{"name": f"Поле {i}"} for i in range(50)])
    sent: list[httpx.URL] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request.url)

    rig.http.event_hooks["request"].append(record)

    await rig.client.custom_fields("leads")

    assert {url.host for url in sent} == {"demo.amocrm.test"}
    assert len(sent) == 2


async def test_calls_count_api_requests_only(rig: Rig) -> None:
    rig.fake.expire_tokens(rig.account.id)

    await rig.client.account()
    await rig.client.users()
    await rig.client.find_contacts("нет")

    assert rig.client.calls == len(rig.api_log()) == 4
    assert len(rig.oauth_log()) == 2  # the rig's code exchange and one refresh, not counted
