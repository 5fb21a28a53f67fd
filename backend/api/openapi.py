"""The OpenAPI 3.1 description of the sync API (spec section 2), served as JSON at GET /sync/openapi.json.

The document is built on every call from plain data, so it has no state; tests check it against real answers.
Each request schema comes from the body declaration its handler reads (api/schema.py); each operation's errors
follow from who may call it and what it reaches. Descriptions are Russian with a short English gloss after " / ".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.api.bases import LinkBaseRequest
from backend.api.body import BaseRequest, Body
from backend.api.entities import CompanyRequest, ContactRequest, LeadRequest
from backend.api.events import EventRequest
from backend.api.handlers import SetHandlersRequest
from backend.api.inputs import MAX_BATCH_BYTES
from backend.api.schema import (
    ERRORS,
    RESPONSES,
    Schema,
    batch_schema,
    error_responses,
    ref,
    request_schema,
    shared_schemas,
)
from backend.sync.batch import MAX_ITEMS
from backend.sync.domain import Domain
from backend.sync.mapping import MAX_MAPPING_ROWS
from backend.sync.operations import BATCHES, Operation

SyncAuth = Literal["basic", "none"]
Access = Literal["base", "admin", "link"]

OPENAPI_PATH = "/sync/openapi.json"
COMPANY_OR_ORDER = (CompanyRequest, LeadRequest)
# Each batch: the section of the single call, and the item's declaration
BATCH_NAMES: dict[Operation, tuple[str, type[Body]]] = {
    Operation.CLIENTS_CONTACTS_BATCH: ("2.3", ContactRequest),
    Operation.CLIENTS_COMPANIES_BATCH: ("2.4", CompanyRequest),
    Operation.LEADS_BATCH: ("2.5", LeadRequest),
    Operation.PROCESS_EVENT_BATCH: ("2.6", EventRequest),
}  # what a body posted to 2.4's path may be (sync/misprint.py)
AMO_ID, NULL = ref("AmoIdResult"), {"type": "null"}


@dataclass(frozen=True)
class Documented:
    """One POST endpoint as the document tells it: its words, request and answer, and what its errors follow
    from — who may call it (`access`), whether it reaches amoCRM (502, 503) and can conflict (409)."""

    operation: Operation  # its path and operationId (sync.operations, the one list)
    summary: str
    description: str
    request: type[Body] | str  # a declaration, or the name of a schema written out in api/schema.py
    answer: Schema
    access: Access = "base"
    amocrm: bool = False
    conflict: bool = False

    @property
    def path(self) -> str:
        """Where the endpoint is served."""
        return self.operation.path

    def errors(self, basic: bool) -> list[int]:
        """The error statuses; 401 and 429 (throttled logins) only where credentials are checked."""
        statuses = [400, 403, 404, 413, 500]
        if basic or self.access == "admin":
            statuses += [401, 429]
        if self.conflict:
            statuses.append(409)
        if self.amocrm:
            statuses += [502, 503]
        return sorted(statuses)

    def security(self, basic: bool) -> list[Schema]:
        """Who may call it: the base's own credentials (when AMO1C_SYNC_AUTH=basic), the operator, or for 2.2 any."""
        base: list[Schema] = [{"base1C": []}] if basic else []
        if self.access == "admin":
            return [{"amo1cAdmin": []}]
        if self.access == "link":
            return [{}, *base, {"amo1cAdmin": []}]
        return base


OPERATIONS = (
    Documented(
        Operation.BASE,
        "2.2 Первичная синхронизация 1С с amoCRM / link a 1C base",
        "Новая база (id_base) ждёт подтверждения администратором аккаунта в настройках виджета amo1c и до "
        "него ничего не может (ответ — как в спецификации, data: null); с Basic-авторизацией оператора "
        "сервера (AMO1C_ADMIN_*) подключается сразу. Изменение связанной требует её текущих param1/param2, "
        "а новый адрес или логин снова ждёт подтверждения / a new base awaits the account admin's approval; "
        "the operator's credentials link at once; changing a base needs its current credentials",
        LinkBaseRequest,
        NULL,
        access="link",
    ),
    Documented(
        Operation.CLIENTS_CONTACTS,
        "2.3 Физ. контрагент 1С → контакт amoCRM / 1C individual → amoCRM contact",
        'Находит (по "id", связи с "id_1c", телефону, email) или создаёт контакт; data — его id; повтор не '
        "создаёт дубль / finds or creates the contact, data is its id",
        ContactRequest,
        AMO_ID,
        amocrm=True,
        conflict=True,
    ),
    Documented(
        Operation.CLIENTS_COMPANIES,
        "2.4 Юр. контрагент 1С → компания amoCRM / 1C legal entity → amoCRM company",
        'Находит (по "id", связи с "id_1c", ИНН) или создаёт компанию; data — её id. Заказ (2.5), который ТЗ '
        'печатает с этим адресом по ошибке, — тело с "budget", "order_number", "company_id" или "contact_id" '
        'и без "name" и "inn" — обслуживается как POST /sync/leads; тело с полями и компании, и заказа — 400 / '
        "data is the company's id; an order body (2.5, misprinted in the spec with this path) is served as "
        "POST /sync/leads; a body mixing both is 400",
        "CompanyOrOrderRequest",
        AMO_ID,
        amocrm=True,
        conflict=True,
    ),
    Documented(
        Operation.LEADS,
        "2.5 Заказ 1С → сделка amoCRM / 1C order → amoCRM deal",
        "В ТЗ по ошибке напечатан адрес 2.4: заказ, отправленный на него, обслуживается так же; data — id "
        "сделки / the spec prints 2.4's URL by mistake, and an order posted there is served alike",
        LeadRequest,
        AMO_ID,
        amocrm=True,
        conflict=True,
    ),
    Documented(
        Operation.PROCESS_EVENT,
        "2.6 Событие документа 1С / 1C document event",
        "Переводит сделку по правилам событий и добавляет примечание; повтор вызова с теми же значениями всех "
        "полей ничего не меняет, отличие в любом поле (например debt_sum) — новое событие; 409 — заказ не "
        "связан со сделкой или сделка удалена; data — id сделки / moves the deal and adds a note; a call equal "
        "in every field is a redelivery, any difference is a new event",
        EventRequest,
        AMO_ID,
        amocrm=True,
        conflict=True,
    ),
    *(
        Documented(
            operation,
            f"2.7 Соответствие полей {entity} / field correspondence of {operation.value.removesuffix('_save_fields')}",
            "Каждый ключ кроме key/id_base — строка таблицы соответствия; вызов заменяет все строки этой "
            f"сущности базы, пустое тело удаляет их; строк не больше {MAX_MAPPING_ROWS}, иначе 413; id поля, "
            "которого нет в аккаунте amoCRM, — 400 с именем ключа; при ошибке ничего не меняется / replaces "
            f"the entity's rows of the base; at most {MAX_MAPPING_ROWS} rows, else 413; an amoCRM field id the "
            "account lacks is 400 naming the key; on any error nothing changes",
            "SaveFieldsRequest",
            NULL,
            amocrm=True,
        )
        for operation, entity in (
            (Operation.CLIENTS_CONTACTS_SAVE_FIELDS, "контактов"),
            (Operation.CLIENTS_COMPANIES_SAVE_FIELDS, "компаний"),
            (Operation.LEADS_SAVE_FIELDS, "сделок"),
        )
    ),
    *(
        Documented(
            batch,
            f"{BATCH_NAMES[batch][0]}: пакет до {MAX_ITEMS} / batch of up to {MAX_ITEMS} (not in the spec)",
            f"Дополнение к ТЗ для первичной и ночной выгрузки: items — до {MAX_ITEMS} тел {BATCH_NAMES[batch][0]} "
            "без key/id_base. data — ответ на каждый элемент в их порядке; ошибка одного элемента не мешает "
            "остальным, статус 200, если пакет прочитан. Гарантии те же, что у одиночного вызова (повтор пакета "
            "не создаёт дублей). Пустой items — 400, больше "
            f"{MAX_ITEMS} — 413; тело до {MAX_BATCH_BYTES // 1024 // 1024} МиБ / the single call's guarantees, "
            "one answer per item in order, one bad item never fails the others",
            f"{BATCH_NAMES[batch][1].__name__}Batch",
            ref("BatchResult"),
            amocrm=True,
        )
        for batch in BATCHES
    ),
    Documented(
        Operation.GET_ACTUAL_VERSION,
        "2.8 Актуальная версия обработчиков / latest handlers version",
        "0, пока пакетов нет / 0 while none is stored",
        BaseRequest,
        ref("VersionResult"),
    ),
    Documented(
        Operation.GET_ACTUAL_HANDLERS,
        "2.9 Актуальные обработчики / latest handlers package",
        "Последний пакет как загружен; version 0 и handlers null, пока пакетов нет / as uploaded",
        BaseRequest,
        ref("HandlersResult"),
    ),
    Documented(
        Operation.SET_HANDLERS,
        "2.10 Новый пакет обработчиков / store a new handlers package",
        "Сохраняет следующую версию (1, 2, 3…) для базы; только администратор amo1c / admin only",
        SetHandlersRequest,
        ref("VersionResult"),
        access="admin",
        conflict=True,
    ),
)

CHECK_ACTIVE: Schema = {
    "tags": ["sync"],
    "operationId": Operation.CHECK_ACTIVE.value,
    "summary": "2.1 Проверка соединения с amoCRM / connection check",
    "description": "data: true, пока интеграция установлена и активна; false, если отключена / true while active",
    "security": [],
    "parameters": [
        {
            "name": "key",
            "in": "query",
            "required": True,
            "description": "id аккаунта amoCRM (цифры, пробелы допускаются) / amoCRM account id",
            "schema": {"type": "string", "examples": ["31000001"]},
        }
    ],
}


def openapi_document(sync_auth: SyncAuth = "basic", server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every sync API endpoint, for the given AMO1C_SYNC_AUTH mode; raises nothing."""
    basic = sync_auth == "basic"
    paths: dict[str, Any] = {
        Operation.CHECK_ACTIVE.path: {
            "get": {**CHECK_ACTIVE, "responses": _responses({"type": "boolean"}, [400, 404, 500])}
        }
    }
    for operation in OPERATIONS:
        paths[operation.path] = {"post": _post(operation, basic)}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "amo1c — API синхронизации для 1С / sync API for 1C",
            "version": "1.0.0",
            "description": (
                "Запросы 1С в amoCRM через amo1c (раздел 2 ТЗ). Каждый ответ — конверт "
                '`{"success", "data", "error"}` с настоящим HTTP-статусом. Числа и id можно передавать строками '
                '("31000001", "1 500,50"); тело — JSON-объект в UTF-8 (BOM допускается) не больше 1 МиБ. / '
                "1C's calls into amoCRM through amo1c. Every answer is the envelope with a real HTTP status; "
                "numbers may be sent as strings."
            ),
        },
        "tags": [
            {"name": "sync", "description": "Синхронизация данных 1С с amoCRM / syncing 1C data with amoCRM"},
            {"name": "update_handlers", "description": "Пакеты обработчиков 1С / 1C handler packages"},
        ],
        "paths": paths,
        "components": {
            "schemas": {
                **shared_schemas(),
                **_request_schemas(),
            },
            "responses": error_responses(),
            "securitySchemes": {
                "base1C": {
                    "type": "http",
                    "scheme": "basic",
                    "description": (
                        "Логин и пароль базы 1С — param1/param2, переданные в /sync/base (UTF-8). "
                        "Не нужны при AMO1C_SYNC_AUTH=none. / The base's param1/param2 from /sync/base."
                    ),
                },
                "amo1cAdmin": {
                    "type": "http",
                    "scheme": "basic",
                    "description": (
                        "Администратор amo1c: AMO1C_ADMIN_USER / AMO1C_ADMIN_PASSWORD; без них загрузка "
                        "обработчиков отключена (403). / The amo1c admin; unset = uploads refused."
                    ),
                },
            },
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url.rstrip("/")}]
    return document


async def openapi_json(request: Request) -> Response:
    """GET /sync/openapi.json: the document for this server's settings (plain JSON, not the envelope)."""
    services: Domain = request.app.state.domain
    settings = services.settings
    return JSONResponse(openapi_document(settings.sync_auth, settings.public_url))


routes = [Route(OPENAPI_PATH, openapi_json, methods=["GET"])]


def _request_schemas() -> dict[str, Schema]:
    """The schema of every body an operation reads, from its declaration, and of 2.4's company-or-order body."""
    declared = [operation.request for operation in OPERATIONS if not isinstance(operation.request, str)]
    schemas = {body.__name__: request_schema(body) for body in (*declared, *COMPANY_OR_ORDER)}
    for _, body in BATCH_NAMES.values():
        schemas[f"{body.__name__}Item"] = request_schema(body, item=True)
        schemas[f"{body.__name__}Batch"] = batch_schema(f"{body.__name__}Item", MAX_ITEMS)
    schemas["CompanyOrOrderRequest"] = {
        "description": (
            "Компания (2.4) или заказ (2.5, адрес которого ТЗ печатает с ошибкой): заказ — тело с полями заказа "
            "и без name/inn / a company, or an order posted to the path the spec misprints for 2.5"
        ),
        "anyOf": [ref(body.__name__) for body in COMPANY_OR_ORDER],
    }
    return schemas


def _post(operation: Documented, basic: bool) -> Schema:
    """The document's POST operation: tag and operationId from the path, the JSON body, answers and security."""
    request = operation.request if isinstance(operation.request, str) else operation.request.__name__
    return {
        "tags": [operation.path.split("/")[1]],
        "operationId": operation.operation.value,
        "summary": operation.summary,
        "description": operation.description,
        "security": operation.security(basic),
        "requestBody": {
            "required": True,
            "description": "JSON-объект; UTF-8 (BOM допускается) или charset из Content-Type / a JSON object",
            "content": {"application/json": {"schema": ref(request)}},
        },
        "responses": _responses(operation.answer, operation.errors(basic)),
    }


def _responses(data: Schema, errors: list[int]) -> dict[str, Any]:
    """A success answer carrying `data`, and a reference to the shared answer of each error status."""
    success: Schema = {
        "type": "object",
        "required": ["success", "data", "error"],
        "additionalProperties": False,
        "properties": {"success": {"const": True}, "data": data, "error": {"type": "null"}},
    }
    responses: dict[str, Any] = {
        "200": {"description": "Успех / success", "content": {"application/json": {"schema": success}}}
    }
    for status in errors:
        responses[str(status)] = {"$ref": RESPONSES + ERRORS[status][0]}
    return responses
