"""Card panels through HTTP with a UI token: documents from the fake 1C, the order and counterparty buttons."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.onec import FakeOneC
from backend.models import Account, Direction, EntityKind, EntityLink, Intent, IntentState, Outcome, SyncLogEntry
from backend.settings import Settings
from backend.sync.domain import Domain
from backend.ui.tokens import UISession, UITokens
from tests.conftest import amo1c_over_fakes, client_of
from tests.factories import BASE_LOGIN, BASE_PASSWORD, basic, install_account, link_base
from tests.fakes.amocrm_helpers import phone

HANDLER_PATH = "/trade/hs/amo1c/handler"


@dataclass
class Cards:
    """amo1c with both fakes behind it, an installed account with base "trade", and a manager's UI token."""

    client: httpx.AsyncClient
    amocrm: FakeAmoCRM
    onec: FakeOneC
    account: Account
    token: str
    settings: Settings
    services: Domain

    def headers(self) -> dict[str, str]:
        return {"X-UI-Token": self.token, "HX-Request": "true"}

    def new_orders(self) -> int:
        return len([record for record in self.onec.requests if record.type == "new_order" and record.status == 200])


@pytest.fixture
async def cards(settings: Settings, fake_amocrm: FakeAmoCRM) -> AsyncIterator[Cards]:
    fake_onec = FakeOneC(
        login=BASE_LOGIN, password=BASE_PASSWORD, path=HANDLER_PATH, url_address="http://1c.test/trade"
    )
    async with amo1c_over_fakes(settings, fake_amocrm, fake_onec) as app, client_of(app) as client:
        account = await install_account(fake_amocrm, settings)
        await link_base(client, account.id, web_address=f"http://1c.test{HANDLER_PATH}")
        token = UITokens(settings.secret_key).issue(UISession(account.id, 7001, is_admin=False))
        yield Cards(client, fake_amocrm, fake_onec, account, token, settings, app.state.domain)


async def make_deal(cards: Cards, *, inn: str | None = "7701234567") -> int:
    """A deal with a main contact and a company, created through the fake amoCRM's own API."""
    account = cards.amocrm.account(cards.account.id)
    inn_field = next(f.id for f in account.custom_fields["companies"] if f.name == "ИНН")
    settings = cards.settings
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cards.amocrm), base_url="http://fake") as http:
        grant = await http.post(
            "/oauth2/access_token",
            json={
                "client_id": settings.amocrm_client_id,
                "client_secret": settings.amocrm_client_secret,
                "grant_type": "authorization_code",
                "code": cards.amocrm.issue_code(account.id),
                "redirect_uri": settings.redirect_uri,
            },
        )
        http.headers["Authorization"] = f"Bearer {grant.json()['access_token']}"
        contact = await http.post(
            "/api/v4/contacts",
            json=[{"name": "Анна Смирнова", "custom_fields_values": [phone("+79123456789")]}],
        )
        company_fields = [{"field_id": inn_field, "values": [{"value": inn}]}] if inn else []
        company = await http.post(
            "/api/v4/companies", json=[{"name": "ООО Ромашка", "custom_fields_values": company_fields}]
        )
        contact_id = contact.json()["_embedded"]["contacts"][0]["id"]
        company_id = company.json()["_embedded"]["companies"][0]["id"]
        lead = await http.post(
            "/api/v4/leads",
            json=[
                {
                    "name": "Поставка мебели",
                    "price": 184500,
                    "_embedded": {"contacts": [{"id": contact_id, "is_main": True}], "companies": [{"id": company_id}]},
                }
            ],
        )
    return int(lead.json()["_embedded"]["leads"][0]["id"])


def documents(link: str) -> list[dict[str, str]]:
    order = f"{link}#e1cib/data/Документ.ЗаказКлиента?ref=01"
    return [
        {"title": "Заказ клиента № 1", "link": order, "parent_link": ""},
        {"title": "Счет на оплату № 1", "link": f"{link}#invoice", "parent_link": order,
         "google_drive_id": "g1", "google_drive_link": "https://drive.google.com/file/d/g1/view"},
        {"title": "Реализация № 1", "link": f"{link}#sale", "parent_link": order},
    ]  # fmt: skip


async def test_deal_panel_lists_documents_as_a_tree_under_their_order(cards: Cards) -> None:
    deal_id = await make_deal(cards)
    cards.onec.add_documents(deal_id, documents("http://1c.test/trade"))
    page = await cards.client.get(f"/ui/cards/leads/{deal_id}", params={"token": cards.token})
    assert page.status_code == 200
    assert f'hx-get="/ui/cards/leads/{deal_id}/documents?base=trade"' in page.text
    response = await cards.client.get(f"/ui/cards/leads/{deal_id}/documents?base=trade", headers=cards.headers())
    assert response.status_code == 200
    html = response.text
    assert "Создать заказ в 1С" in html
    order_at, invoice_at, sale_at = (
        html.index("Заказ клиента № 1"),
        html.index("Счет на оплату"),
        html.index("Реализация"),
    )
    nested = html[order_at:]
    assert order_at < invoice_at < sale_at and "<ul>" in nested[: nested.index("Счет на оплату")]
    assert 'target="_blank"' in html and "https://drive.google.com/file/d/g1/view" in html
    assert response.headers["vary"] == "HX-Request"


async def test_deal_panel_says_when_1c_has_no_documents(cards: Cards) -> None:
    deal_id = await make_deal(cards)
    response = await cards.client.get(f"/ui/cards/leads/{deal_id}/documents?base=trade", headers=cards.headers())
    assert response.status_code == 200
    assert "В 1С нет документов по этой сделке." in response.text


async def test_deal_panel_shows_1c_errors_with_a_retry(cards: Cards) -> None:
    deal_id = await make_deal(cards)
    cards.onec.fail_next(1, status=500, body="Ошибка при вызове метода контекста (Выполнить)")
    address = f"/ui/cards/leads/{deal_id}/documents?base=trade"
    response = await cards.client.get(address, headers=cards.headers())
    assert response.status_code == 502
    assert "1С не приняла запрос: Ошибка при вызове метода контекста (Выполнить)" in html.unescape(response.text)
    assert response.text.count('role="alert"') == 1 and "Повторить" in response.text
    assert "1c.test" not in response.text.split("<details")[0], "amo1c's technical line only under «Подробнее»"
    retried = await cards.client.get(address, headers=cards.headers())
    assert retried.status_code == 200


async def test_create_order_button_sends_the_deal_and_shows_the_1c_link(cards: Cards) -> None:
    deal_id = await make_deal(cards)
    response = await cards.client.post(
        f"/ui/cards/leads/{deal_id}/order", data={"base": "trade"}, headers=cards.headers()
    )
    assert response.status_code == 200, response.text
    order = next(iter(cards.onec.orders.values()))
    assert order.link in response.text and "Обновить заказ в 1С" in response.text
    link = await EntityLink.get(kind=EntityKind.LEAD, amo_id=deal_id)
    assert (link.id_1c, link.link) == (order.id_1c, order.link)
    sent = next(record for record in cards.onec.requests if record.type == "new_order").body
    assert sent["id"] == deal_id and sent["name"] == "Поставка мебели"
    assert sent["clients"]["contact"]["phone"] == "+79123456789"
    assert sent["clients"]["company"]["inn"] == "7701234567"
    again = await cards.client.get(f"/ui/cards/leads/{deal_id}/documents?base=trade", headers=cards.headers())
    assert again.status_code == 200 and "Открыть в 1С" in again.text and "184\u00a0500\u00a0₽" in again.text


async def test_order_button_shows_1c_refusing_and_does_not_retry_a_refusal(cards: Cards) -> None:
    deal_id = await make_deal(cards)
    cards.onec.fail_next(1, status=400, body="Не заполнен склад")
    response = await cards.client.post(
        f"/ui/cards/leads/{deal_id}/order", data={"base": "trade"}, headers=cards.headers()
    )
    assert response.status_code == 502
    assert "Не заполнен склад" in response.text and "Создать заказ в 1С" in response.text
    assert not await EntityLink.filter(kind=EntityKind.LEAD, amo_id=deal_id).exists()
    intent = await Intent.get(amo_id=deal_id)
    assert intent.state == IntentState.FAILED and intent.attempts == 1


async def test_order_button_queues_the_order_when_1c_cannot_answer_now(cards: Cards) -> None:
    deal_id = await make_deal(cards)
    cards.onec.fail_next(1, status=503, body="Сервис 1С временно недоступен: идёт обновление")
    response = await cards.client.post(
        f"/ui/cards/leads/{deal_id}/order", data={"base": "trade"}, headers=cards.headers()
    )
    assert response.status_code == 200, response.text
    text = html.unescape(response.text)
    assert "Заказ в очереди" in text and "идёт обновление" in text and "Следующая попытка" in text
    assert "amo1c-flash_error" not in text
    intent = await Intent.get(amo_id=deal_id)
    assert intent.state == IntentState.PENDING and intent.attempts == 1
    assert 20 <= (intent.next_attempt_at - datetime.now(UTC)).total_seconds() <= 40, "30 s ± jitter"


async def test_company_without_inn_gets_a_message_instead_of_a_call(cards: Cards) -> None:
    deal_id = await make_deal(cards, inn=None)
    response = await cards.client.post(
        f"/ui/cards/leads/{deal_id}/order", data={"base": "trade"}, headers=cards.headers()
    )
    assert response.status_code == 409
    assert "не заполнен ИНН" in response.text and response.text.count('role="alert"') == 1
    assert [record.type for record in cards.onec.requests] == ["get_orders"]  # the deal block's documents alone
    cards.onec.requests.clear()
    company_id = next(iter(cards.amocrm.account(cards.account.id).companies))
    press = await cards.client.post(
        f"/ui/cards/companies/{company_id}/counterparty", data={"base": "trade"}, headers=cards.headers()
    )
    assert press.status_code == 409 and cards.onec.requests == []


async def test_counterparty_buttons_send_contact_and_company(cards: Cards) -> None:
    await make_deal(cards)
    account = cards.amocrm.account(cards.account.id)
    contact_id, company_id = next(iter(account.contacts)), next(iter(account.companies))
    page = await cards.client.get(f"/ui/cards/contacts/{contact_id}", params={"token": cards.token})
    assert "Создать контрагента в 1С" in page.text
    for entity, amo_id in (("contacts", contact_id), ("companies", company_id)):
        response = await cards.client.post(
            f"/ui/cards/{entity}/{amo_id}/counterparty", data={"base": "trade"}, headers=cards.headers()
        )
        assert response.status_code == 200, response.text
        assert "Обновить контрагента в 1С" in response.text
    sent = [record.body["clients"] for record in cards.onec.requests if record.type == "new_lead"]
    assert list(sent[0]) == ["contact"] and list(sent[1]) == ["company"]
    assert await EntityLink.filter(kind=EntityKind.CONTACT, amo_id=contact_id).exists()


async def test_double_click_sends_one_request_to_1c(cards: Cards) -> None:
    deal_id = await make_deal(cards)
    cards.onec.latency = 0.3
    presses = await asyncio.gather(
        *(
            cards.client.post(f"/ui/cards/leads/{deal_id}/order", data={"base": "trade"}, headers=cards.headers())
            for _ in range(3)
        )
    )
    assert [press.status_code for press in presses] == [200, 200, 200]
    assert cards.new_orders() == 1
    link = next(iter(cards.onec.orders.values())).link
    assert {press.text.split('id="amo1c-documents"')[0].count(link) for press in presses} == {1}


async def test_several_bases_get_a_selector_and_the_choice_is_remembered(cards: Cards) -> None:
    await link_base(cards.client, cards.account.id, "warehouse", web_address=f"http://1c.test{HANDLER_PATH}")
    page = await cards.client.get("/ui/cards/leads/1", params={"token": cards.token})
    assert '<select id="amo1c-base" class="amo1c-select" name="base">' in page.text
    assert '<option value="warehouse">' in page.text
    body = await cards.client.get("/ui/cards/leads/1/body", params={"base": "warehouse"}, headers=cards.headers())
    assert "documents?base=warehouse" in body.text
    again = await cards.client.get("/ui/cards/leads/1", params={"token": cards.token})
    assert '<option value="warehouse" selected>' in again.text


async def test_a_failed_documents_call_is_in_the_sync_log_without_the_password(cards: Cards) -> None:
    deal_id = await make_deal(cards)
    cards.onec.fail_next(1, status=500, body="Ошибка модуля")
    await cards.client.get(f"/ui/cards/leads/{deal_id}/documents?base=trade", headers=cards.headers())
    await cards.client.get(f"/ui/cards/leads/{deal_id}/documents?base=trade", headers=cards.headers())
    await cards.services.sync_log.flush()
    entries = await SyncLogEntry.filter(direction=Direction.TO_1C).order_by("id")
    assert [(entry.operation, entry.outcome, entry.http_status) for entry in entries] == [
        ("get_orders", Outcome.ERROR, 500),  # a read that succeeds is not logged (issue 15)
    ]
    assert entries[0].error and "Ошибка модуля" in entries[0].error
    assert entries[0].account_id == cards.account.id and entries[0].id_base == "trade" and entries[0].amo_id == deal_id
    assert all(BASE_PASSWORD not in repr(entry.request_summary) + (entry.error or "") for entry in entries)


async def test_counterparty_panels_show_the_1c_name_inn_link_and_base(cards: Cards) -> None:
    link = "http://1c.test/trade#e1cib/data/Справочник.Контрагенты?ref=7"
    body = {"key": cards.account.id, "id_base": "trade", "id_1c": "cp-7", "link": link, "name": "ООО «Ромашка»"}
    synced = await cards.client.post(
        "/sync/clients_companies", json={**body, "inn": "7704123456"}, headers=basic(BASE_LOGIN, BASE_PASSWORD)
    )
    assert synced.status_code == 200, synced.text
    company_id = synced.json()["data"]
    await cards.services.sync_log.flush()
    page = await cards.client.get(f"/ui/cards/companies/{company_id}", params={"token": cards.token})
    text = html.unescape(page.text)
    assert "ООО «Ромашка»" in text and "ИНН 7704123456" in text and f'href="{link}"' in text
    assert "База trade" in text and "синхронизировано" in text
    press = await cards.client.post(
        f"/ui/cards/companies/{company_id}/counterparty", data={"base": "trade"}, headers=cards.headers()
    )
    assert press.status_code == 200, press.text
    assert "ИНН 7704123456" in html.unescape(press.text)  # what amo1c sent 1C keeps it named after the press


async def test_an_unknown_deal_gets_a_message_and_no_order_button(cards: Cards) -> None:
    response = await cards.client.get("/ui/cards/leads/987654/documents?base=trade", headers=cards.headers())
    assert response.status_code == 404
    assert "В amoCRM нет сделки 987654" in response.text and "Создать заказ" not in response.text
    assert cards.onec.requests == [], "1C is not asked about a deal amoCRM does not have"


async def test_a_base_that_did_not_answer_is_marked_and_never_remembered(
    settings: Settings, fake_amocrm: FakeAmoCRM
) -> None:
    fake_onec = FakeOneC(login=BASE_LOGIN, password=BASE_PASSWORD, path=HANDLER_PATH, url_address="http://1c.test/t")
    impatient = settings.with_overrides(onec_timeout=0.2)  # a call 1C does not answer in time is "no answer"
    async with amo1c_over_fakes(impatient, fake_amocrm, fake_onec) as app, client_of(app) as client:
        account = await install_account(fake_amocrm, settings)
        for id_base in ("trade", "резерв"):
            await link_base(client, account.id, id_base, web_address=f"http://1c.test{HANDLER_PATH}")
        token = UITokens(settings.secret_key).issue(UISession(account.id, 7001, is_admin=False))
        headers = {"X-UI-Token": token, "HX-Request": "true"}
        cards = Cards(client, fake_amocrm, fake_onec, account, token, settings, app.state.domain)
        deal_id = await make_deal(cards)
        chosen = await client.get(f"/ui/cards/leads/{deal_id}/body", params={"base": "резерв"}, headers=headers)
        assert "documents?base=%D1%80%D0%B5%D0%B7%D0%B5%D1%80%D0%B2" in chosen.text  # shown, as the user chose
        fake_onec.hang_next(1, seconds=5, type="get_orders")
        failed = await client.get(f"/ui/cards/leads/{deal_id}/documents?base=резерв", headers=headers)
        assert failed.status_code == 502 and "1С не отвечает. Попробуйте через минуту." in failed.text
        assert 'hx-swap-oob="true"' in failed.text and "резерв — не отвечает" in failed.text
        await app.state.domain.sync_log.flush()
        page = await client.get(f"/ui/cards/leads/{deal_id}", params={"token": token})
        assert '<option value="trade" selected>' in page.text, "a base that did not answer is not the default"
        assert "резерв — не отвечает" in page.text
        again = await client.get(f"/ui/cards/leads/{deal_id}/body", params={"base": "резерв"}, headers=headers)
        assert again.status_code == 200
        page = await client.get(f"/ui/cards/leads/{deal_id}", params={"token": token})
        assert '<option value="trade" selected>' in page.text, "choosing it again does not make it remembered"
