"""Sample data the demo pushes through amo1c's real sync API, as a 1C base would."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import httpx

from backend import db
from backend.models import EventName, EventRule
from backend.settings import Settings

# The failures the demo makes on purpose, so the sync log and the outbox have something to show; their texts say so
# wherever they are printed (amo1c's warnings, the sync log, the outbox) so nobody takes them for a broken demo.
SAMPLE_FAILURE = "Намеренный сбой демо"
SAMPLE_503 = f"{SAMPLE_FAILURE} (пример для журнала обмена): Сервис 1С временно недоступен: идёт обновление"
SAMPLE_UNKNOWN_ORDER = "демо-намеренная-ошибка"  # the 1C id of an event for an order amo1c does not know (409)


class DemoSeedError(Exception):
    """A demo seeding call was refused; the message carries the endpoint and amo1c's answer."""


@dataclass(frozen=True)
class DemoBase:
    """The fake 1C base the demo links: where its handler is and how 1C authenticates."""

    id_base: str
    web_address: str
    url_address: str
    login: str
    password: str


async def install_through_callback(amo1c_url: str, code: str, referer: str) -> None:
    """Install the demo account the way amoCRM does: its authorization code sent to /oauth/callback."""
    async with httpx.AsyncClient(base_url=amo1c_url, timeout=30.0) as http:
        response = await http.get("/oauth/callback", params={"code": code, "referer": referer, "from_widget": "1"})
    if response.status_code != 200:
        raise DemoSeedError(f"/oauth/callback answered {response.status_code}")


async def set_demo_event_rule(settings: Settings, account_id: int, pipeline_id: int, status_id: int) -> None:
    """A payment moves demo deals of the main pipeline to `status_id` (what an admin sets in the settings)."""
    async with db.isolated_database(settings.database_url):
        await EventRule.create(
            account_id=account_id, event_name=EventName.PAYMENT, pipeline_id=pipeline_id, status_id=status_id
        )


def link_body(account_id: int, base: DemoBase) -> dict[str, Any]:
    """The /sync/base body 1C sends for `base`."""
    return {
        "key": account_id,
        "id_base": base.id_base,
        "web_address": base.web_address,
        "url_address": base.url_address,
        "param1": base.login,
        "param2": base.password,
    }


async def ask_to_link(amo1c_url: str, account_id: int, base: DemoBase) -> None:
    """1C asks to link a base without the operator's credentials: it awaits the account admin's approval."""
    async with httpx.AsyncClient(base_url=amo1c_url, timeout=30.0) as http:
        await _expect(http, "/sync/base", link_body(account_id, base), {})


async def push_sample_data(
    amo1c_url: str, account_id: int, base: DemoBase, operator: tuple[str, str]
) -> dict[str, int]:
    """Link the base as the server's operator (approved at once), then sync counterparties, an order and its
    events; returns the amoCRM ids made."""
    auth = _basic(base.login, base.password)
    envelope = {"key": account_id, "id_base": base.id_base}
    async with httpx.AsyncClient(base_url=amo1c_url, timeout=30.0) as http:

        async def call(path: str, body: dict[str, Any]) -> Any:
            response = await http.post(path, json={**envelope, **body}, headers=auth)
            if response.status_code != 200:
                raise DemoSeedError(f"{path} answered {response.status_code}: {response.text}")
            return response.json()["data"]

        await _expect(http, "/sync/base", link_body(account_id, base), _basic(*operator))
        person = await call(
            "/sync/clients_contacts",
            {
                "id_1c": "b3f1c2d4-0001-11ef-a1b2-001dd8b71c01",
                "link": f"{base.url_address}#e1cib/data/Справочник.Контрагенты?ref=a1b2001dd8b71c0111efb3f1c2d40001",
                "name": "Марина Волкова",
                "phone": "+7 (921) 555-44-33",
                "email": "m.volkova@example.ru",
            },
        )
        # the same person as a contact created by hand in amoCRM: found by phone, not duplicated
        known = await call(
            "/sync/clients_contacts",
            {"id_1c": "b3f1c2d4-0002-11ef-a1b2-001dd8b71c01", "name": "Анна Смирнова", "phone": "89123456789"},
        )
        company = await call(
            "/sync/clients_companies",
            {
                "id_1c": "b3f1c2d4-0003-11ef-a1b2-001dd8b71c01",
                "name": "ООО «Василёк»",
                "inn": "7728123456",
            },
        )
        order = await call(
            "/sync/leads",
            {
                "id_1c": "b3f1c2d4-0004-11ef-a1b2-001dd8b71c01",
                "link": f"{base.url_address}#e1cib/data/Документ.ЗаказКлиента?ref=a1b2001dd8b71c0111efb3f1c2d40004",
                "contact_id": person,
                "company_id": company,
                "budget": "248 900,00",
                "order_number": "00000058",
            },
        )
        for event in (
            {"event_name": "part_payment", "sum": "100 000,00", "debt_sum": "148 900,00", "document_name": "ПКО № 31"},
            {"event_name": "payment", "sum": "148 900,00", "debt_sum": "0", "document_name": "Выписка № 204"},
            {"event_name": "part_shipment", "sum": "120 000,00", "document_name": "Реализация № 77"},
        ):
            await call("/sync/process_event", {"id": order, **event})
    return {"contact": person, "known_contact": known, "company": company, "order": order}


DIRECTORY_NAMES = ("Игорь Лебедев", "Ольга Козлова", "Сергей Новиков", "Елена Морозова", "Дмитрий Павлов",
                   "Наталья Соколова", "Алексей Попов", "Татьяна Фёдорова", "Павел Егоров")  # fmt: skip


async def push_directory(amo1c_url: str, account_id: int, base: DemoBase) -> dict[str, Any]:
    """1C's counterparty directory as one batch (POST /sync/clients_contacts/batch): new people, one already in
    amoCRM (matched by phone: the contact Марина Волкова), one refused (no name to create it with); returns the
    batch's per-item answers and how many were created, matched and refused."""
    items: list[dict[str, Any]] = [
        {"id_1c": f"b3f1c2d4-01{n:02d}-11ef-a1b2-001dd8b71c01", "name": name, "phone": f"+7 (921) 600-00-{n:02d}"}
        for n, name in enumerate(DIRECTORY_NAMES)
    ]
    items.append(
        {"id_1c": "b3f1c2d4-0120-11ef-a1b2-001dd8b71c01", "name": "Марина Волкова", "phone": "8 921 555 44 33"}
    )
    items.append({"id_1c": "b3f1c2d4-0121-11ef-a1b2-001dd8b71c01", "phone": "+7 (921) 600-00-99"})
    body = {"key": account_id, "id_base": base.id_base, "items": items}
    async with httpx.AsyncClient(base_url=amo1c_url, timeout=60.0) as http:
        response = await http.post("/sync/clients_contacts/batch", json=body, headers=_basic(base.login, base.password))
    if response.status_code != 200:
        raise DemoSeedError(f"/sync/clients_contacts/batch answered {response.status_code}: {response.text}")
    answers = response.json()["data"]
    return {
        "items": len(items),
        "created": sum(1 for answer in answers[: len(DIRECTORY_NAMES)] if answer["success"]),
        "matched": answers[len(DIRECTORY_NAMES)]["data"],
        "refused": sum(1 for answer in answers if not answer["success"]),
    }


SAMPLE_ROWS = {  # entity → amoCRM field name → 1C field, as 1C's *_save_fields would send them
    "clients_contacts": ("contacts", {"Должность": "Должность", "Email": "ЭлектроннаяПочта"}),
    "clients_companies": ("companies", {"ИНН": "ИНН", "Адрес": "ЮридическийАдрес"}),
    "leads": ("leads", {"Номер заказа 1С": "НомерЗаказа", "Долг": "СуммаДолга"}),
}
SAMPLE_PACKAGES = (
    {"ОбщийМодуль.amo1c_Обмен": "Процедура ОтправитьЗаказ(Заказ) Экспорт\n\t// версия 1\nКонецПроцедуры"},
    {
        "ОбщийМодуль.amo1c_Обмен": "Процедура ОтправитьЗаказ(Заказ) Экспорт\n\t// версия 2: с оплатами\nКонецПроцедуры",
        "HTTPСервис.amo1c": "Функция handlerPOST(Запрос)\n\tВозврат amo1c_Обмен.Обработать(Запрос);\nКонецФункции",
    },
)


async def push_settings_samples(
    amo1c_url: str, account_id: int, base: DemoBase, fields: dict[str, dict[str, int]], admin: tuple[str, str]
) -> None:
    """What the settings pages show: correspondence rows and two handler packages as 1C stores them, and one
    call from 1C that fails (an event for an order amo1c does not know) for the sync log."""
    envelope: dict[str, Any] = {"key": account_id, "id_base": base.id_base}
    async with httpx.AsyncClient(base_url=amo1c_url, timeout=30.0) as http:
        for name, (entity, rows) in SAMPLE_ROWS.items():
            mapped = {f"p_{fields[entity][amo_name]}": onec_field for amo_name, onec_field in rows.items()}
            await _expect(http, f"/sync/{name}_save_fields", {**envelope, **mapped}, _basic(base.login, base.password))
        for package in SAMPLE_PACKAGES:
            await _expect(http, "/update_handlers/set_handlers", {**envelope, "handlers": package}, _basic(*admin))
        unknown = {**envelope, "id_1c": SAMPLE_UNKNOWN_ORDER, "event_name": "shipment"}
        await _expect(http, "/sync/process_event", unknown, _basic(base.login, base.password), status=409)


async def fail_documents_call(amo1c_url: str, deal_id: int, id_base: str) -> None:
    """Open a deal's documents as the demo admin while the fake 1C refuses: a failed call into 1C for the log."""
    async with httpx.AsyncClient(base_url=amo1c_url, timeout=30.0) as http:
        login = await http.get("/ui/demo/login", params={"to": f"/ui/cards/leads/{deal_id}"})
        token = httpx.URL(login.headers.get("location", "")).params.get("token", "")
        answer = await http.get(
            f"/ui/cards/leads/{deal_id}/documents", params={"base": id_base}, headers={"X-UI-Token": token}
        )
    if answer.status_code != 502:
        raise DemoSeedError(f"the documents call was expected to fail, it answered {answer.status_code}")


def sample_documents(base_link: str) -> list[dict[str, str]]:
    """The demo deal's documents as the fake 1C holds them: an order with its invoice and payment."""
    order = f"{base_link}#e1cib/data/Документ.ЗаказКлиента?ref=9f3a61d2c4b511efa1b2001dd8b71c01"
    payment = "ПоступлениеБезналичныхДенежныхСредств"
    return [
        {"title": "Заказ клиента № 00000042 от 28.11.2026", "doc_type": "leads", "link": order, "parent_link": ""},
        {
            "title": "Счет на оплату № 00000042 от 28.11.2026",
            "doc_type": "leads",
            "link": f"{base_link}#e1cib/data/Документ.СчетНаОплатуКлиенту?ref=9f3a61d2c4b511efa1b2001dd8b71c02",
            "parent_link": order,
            "google_drive_id": "1dEmOaMo1cInvoice42",
            "google_drive_link": "https://drive.google.com/file/d/1dEmOaMo1cInvoice42/view",
        },
        {
            "title": "Поступление безналичных денежных средств № 00000017 от 29.11.2026",
            "doc_type": "leads",
            "link": f"{base_link}#e1cib/data/Документ.{payment}?ref=9f3a61d2c4b511efa1b2001dd8b71c03",
            "parent_link": order,
        },
    ]


async def link_as_operator(amo1c_url: str, account_id: int, base: DemoBase, operator: tuple[str, str]) -> None:
    """Link a base as the server's operator does (approved at once)."""
    async with httpx.AsyncClient(base_url=amo1c_url, timeout=30.0) as http:
        await _expect(http, "/sync/base", link_body(account_id, base), _basic(*operator))


def _basic(login: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{login}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


async def _expect(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str], *, status: int = 200
) -> None:
    response = await http.post(path, json=body, headers=headers)
    if response.status_code != status:
        raise DemoSeedError(f"{path} answered {response.status_code}: {response.text}")
