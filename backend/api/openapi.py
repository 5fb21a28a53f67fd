"""The OpenAPI 3.1 description of the sync API (spec section 2), served as JSON at GET /sync/openapi.json.

The document is built on every call from plain data below, so it has no state; tests check it against real answers.
Descriptions are Russian (1C programmers read them) with a short English gloss after " / ".
"""

from __future__ import annotations

from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.api.inputs import MAX_BODY_BYTES, MAX_ID
from backend.sync.domain import Domain
from backend.sync.mapping import MAX_MAPPING_ROWS
from backend.sync.records import EventName

Schema = dict[str, Any]
SyncAuth = Literal["basic", "none"]

OPENAPI_PATH = "/sync/openapi.json"
SCHEMAS = "#/components/schemas/"
RESPONSES = "#/components/responses/"

# The errors of each kind of endpoint; 401 and 429 (throttled logins) are dropped for base credentials when
# AMO1C_SYNC_AUTH=none.
BASE_ERRORS = (400, 401, 403, 404, 413, 429, 500)
AMOCRM_ERRORS = (400, 401, 403, 404, 409, 413, 429, 500, 502, 503)
ADMIN_ERRORS = (400, 401, 403, 404, 409, 413, 429, 500)
CREDENTIAL_ERRORS = (401, 429)


def openapi_document(sync_auth: SyncAuth = "basic", server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every sync API endpoint, for the given AMO1C_SYNC_AUTH mode; raises nothing."""
    paths: dict[str, Any] = {}
    for path, method, operation in _operations(sync_auth):
        paths.setdefault(path, {})[method] = operation
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
            "schemas": _schemas(),
            "responses": _error_responses(),
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


def _operations(sync_auth: SyncAuth) -> list[tuple[str, str, Schema]]:
    """(path, method, operation) for every endpoint of spec section 2."""
    basic = sync_auth == "basic"
    base_auth: list[Schema] = [{"base1C": []}] if basic else []
    base_errors = BASE_ERRORS if basic else tuple(s for s in BASE_ERRORS if s not in CREDENTIAL_ERRORS)
    amocrm_errors = AMOCRM_ERRORS if basic else tuple(s for s in AMOCRM_ERRORS if s not in CREDENTIAL_ERRORS)
    amo_id, null = _ref("AmoIdResult"), {"type": "null"}
    check_active = {
        "tags": ["sync"],
        "operationId": "check_active",
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
        "responses": _responses({"type": "boolean"}, (400, 404, 500)),
    }
    operations = [("/sync/check_active", "get", check_active)]
    operations += [
        _post(
            "/sync/base",
            "2.2 Первичная синхронизация 1С с amoCRM / link a 1C base",
            "Новая база (id_base) ждёт подтверждения администратором аккаунта в настройках виджета amo1c и до "
            "него ничего не может (ответ — как в спецификации, data: null); с Basic-авторизацией оператора "
            "сервера (AMO1C_ADMIN_*) подключается сразу. Изменение связанной требует её текущих param1/param2, "
            "а новый адрес или логин снова ждёт подтверждения / a new base awaits the account admin's approval; "
            "the operator's credentials link at once; changing a base needs its current credentials",
            ("LinkBaseRequest", null, base_errors, [{}, *base_auth, {"amo1cAdmin": []}]),
        ),
        _post(
            "/sync/clients_contacts",
            "2.3 Физ. контрагент 1С → контакт amoCRM / 1C individual → amoCRM contact",
            'Находит (по "id", связи с "id_1c", телефону, email) или создаёт контакт; data — его id; повтор не '
            "создаёт дубль / finds or creates the contact, data is its id",
            ("ContactRequest", amo_id, amocrm_errors, base_auth),
        ),
        _post(
            "/sync/clients_companies",
            "2.4 Юр. контрагент 1С → компания amoCRM / 1C legal entity → amoCRM company",
            'Находит (по "id", связи с "id_1c", ИНН) или создаёт компанию; data — её id. Заказ (2.5), который ТЗ '
            'печатает с этим адресом по ошибке, — тело с "budget", "order_number", "company_id" или "contact_id" '
            'и без "name" и "inn" — обслуживается как POST /sync/leads; тело с полями и компании, и заказа — 400 / '
            "data is the company's id; an order body (2.5, misprinted in the spec with this path) is served as "
            "POST /sync/leads; a body mixing both is 400",
            ("CompanyOrOrderRequest", amo_id, amocrm_errors, base_auth),
        ),
        _post(
            "/sync/leads",
            "2.5 Заказ 1С → сделка amoCRM / 1C order → amoCRM deal",
            "В ТЗ по ошибке напечатан адрес 2.4: заказ, отправленный на него, обслуживается так же; data — id "
            "сделки / the spec prints 2.4's URL by mistake, and an order posted there is served alike",
            ("LeadRequest", amo_id, amocrm_errors, base_auth),
        ),
        _post(
            "/sync/process_event",
            "2.6 Событие документа 1С / 1C document event",
            "Переводит сделку по правилам событий и добавляет примечание; повтор вызова с теми же значениями всех "
            "полей ничего не меняет, отличие в любом поле (например debt_sum) — новое событие; 409 — заказ не "
            "связан со сделкой или сделка удалена; data — id сделки / moves the deal and adds a note; a call equal "
            "in every field is a redelivery, any difference is a new event",
            ("EventRequest", amo_id, amocrm_errors, base_auth),
        ),
    ]
    for name, entity in (("clients_contacts", "контактов"), ("clients_companies", "компаний"), ("leads", "сделок")):
        operations.append(
            _post(
                f"/sync/{name}_save_fields",
                f"2.7 Соответствие полей {entity} / field correspondence of {name}",
                "Каждый ключ кроме key/id_base — строка таблицы соответствия; вызов заменяет все строки этой "
                f"сущности базы, пустое тело удаляет их; строк не больше {MAX_MAPPING_ROWS}, иначе 413; id поля, "
                "которого нет в аккаунте amoCRM, — 400 с именем ключа; при ошибке ничего не меняется / replaces "
                f"the entity's rows of the base; at most {MAX_MAPPING_ROWS} rows, else 413; an amoCRM field id the "
                "account lacks is 400 naming the key; on any error nothing changes",
                ("SaveFieldsRequest", null, (*base_errors, 502, 503), base_auth),
            )
        )
    operations += [
        _post(
            "/update_handlers/get_actual_version",
            "2.8 Актуальная версия обработчиков / latest handlers version",
            "0, пока пакетов нет / 0 while none is stored",
            ("BaseRequest", _ref("VersionResult"), base_errors, base_auth),
        ),
        _post(
            "/update_handlers/get_actual_handlers",
            "2.9 Актуальные обработчики / latest handlers package",
            "Последний пакет как загружен; version 0 и handlers null, пока пакетов нет / as uploaded",
            ("BaseRequest", _ref("HandlersResult"), base_errors, base_auth),
        ),
        _post(
            "/update_handlers/set_handlers",
            "2.10 Новый пакет обработчиков / store a new handlers package",
            "Сохраняет следующую версию (1, 2, 3…) для базы; только администратор amo1c / admin only",
            ("SetHandlersRequest", _ref("VersionResult"), ADMIN_ERRORS, [{"amo1cAdmin": []}]),
        ),
    ]
    return operations


def _post(
    path: str, summary: str, description: str, shape: tuple[str, Schema, tuple[int, ...], list[Schema]]
) -> tuple[str, str, Schema]:
    """A POST operation: its request schema name, `data` schema, error statuses and security, in `shape`."""
    request, data, errors, security = shape
    operation = {
        "tags": [path.split("/")[1]],
        "operationId": path.rsplit("/", 1)[1],
        "summary": summary,
        "description": description,
        "security": security,
        "requestBody": _body(request),
        "responses": _responses(data, errors),
    }
    return path, "post", operation


def _ref(name: str) -> Schema:
    return {"$ref": SCHEMAS + name}


def _body(schema_name: str) -> Schema:
    return {
        "required": True,
        "description": "JSON-объект; UTF-8 (BOM допускается) или charset из Content-Type / a JSON object",
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def _responses(data: Schema, errors: tuple[int, ...]) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": "Успех / success",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["success", "data", "error"],
                        "additionalProperties": False,
                        "properties": {"success": {"const": True}, "data": data, "error": {"type": "null"}},
                    }
                }
            },
        }
    }
    kinds = _error_kinds()
    for status in errors:
        responses[str(status)] = {"$ref": RESPONSES + kinds[status][0]}
    return responses


def _error_kinds() -> dict[int, tuple[str, str]]:
    """Status → (name under components/responses, description) of every error answer."""
    return {
        400: ("InvalidInput", "Неверный запрос: поле не заполнено или с ошибкой, error называет его / invalid input"),
        401: (
            "Unauthorized",
            "Нет Basic-авторизации, она неверна или база не связана (один ответ) / missing or wrong credentials, "
            "or an unknown base (one answer)",
        ),
        403: (
            "Forbidden",
            "База ожидает подтверждения администратором, интеграция отключена или действие запрещено / "
            "base awaiting approval, integration disabled, or not allowed",
        ),
        404: ("UnknownAccount", "Аккаунт amoCRM (key) не найден: интеграция не установлена / unknown account"),
        409: ("Conflict", "Конфликт с сохранённым состоянием; повторите позже / conflict with stored state"),
        413: (
            "BodyTooLarge",
            f"Тело запроса больше {MAX_BODY_BYTES} байт или строк соответствия больше {MAX_MAPPING_ROWS} / "
            "body or correspondence table too large",
        ),
        429: (
            "TooManyAttempts",
            "Слишком много неудачных входов с этого адреса; повторите после Retry-After / too many failed logins",
        ),
        500: ("InternalError", "Непредвиденная ошибка amo1c; запрос не выполнен / unexpected error, nothing done"),
        502: ("AmoCRMError", "amoCRM ответила ошибкой / amoCRM answered with an error"),
        503: ("AmoCRMUnavailable", "amoCRM недоступна или ограничила частоту; повторите после Retry-After / retry"),
    }


def _error_responses() -> dict[str, Any]:
    headers = {
        401: {"WWW-Authenticate": {"description": "Basic realm, charset UTF-8", "schema": {"type": "string"}}},
    }
    retry_after = {
        "Retry-After": {
            "description": "Через сколько секунд повторить / seconds to wait",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    }
    headers[429] = headers[503] = retry_after
    responses: dict[str, Any] = {}
    for status, (name, description) in _error_kinds().items():
        response: Schema = {
            "description": description,
            "content": {"application/json": {"schema": _ref("ErrorEnvelope")}},
        }
        if status in headers:
            response["headers"] = headers[status]
        responses[name] = response
    return responses


def _schemas() -> dict[str, Schema]:
    lenient_int = 'число или строка из цифр (пробелы допускаются: "31 000 001") / a number or a digit string'
    optional_id: Schema = {
        "type": ["integer", "string", "null"],
        "description": f"id amoCRM: {lenient_int}; null или пустая строка — не задан / null or empty = not given",
    }
    optional_text: Schema = {
        "type": ["string", "number", "null"],
        "description": "Строка; число записывается как текст; null или пустая строка — не задано / text",
    }
    base_properties: dict[str, Schema] = {"key": _ref("AccountKey"), "id_base": _ref("BaseId")}
    custom_values: dict[str, Schema] = {
        "^p_[0-9]{1,18}$": {
            "description": (
                "Значение поля amoCRM с этим id; null или пустая строка очищает поле / the amoCRM custom field's "
                "value; null or empty clears it"
            )
        }
    }
    mapped_note = "Другие ключи — поля 1С из таблицы соответствия (2.7) / other keys: mapped 1C fields"

    def entity_request(description: str, properties: dict[str, Schema]) -> Schema:
        return {
            "type": "object",
            "description": f"{description}. {mapped_note}",
            "required": ["key", "id_base"],
            "properties": {**base_properties, **properties},
            "patternProperties": custom_values,
            "additionalProperties": True,
        }

    return {
        "AccountKey": {
            "type": ["integer", "string"],
            "minimum": 0,
            "maximum": MAX_ID,
            "description": f"id аккаунта amoCRM (обязательный): {lenient_int}",
            "examples": [31000001, "31000001"],
        },
        "BaseId": {
            "type": ["string", "number"],
            "minLength": 1,
            "maxLength": 100,
            "description": "id базы 1С (обязательный); число записывается как текст / the 1C base id",
        },
        "Sum": {
            "type": ["number", "string", "null"],
            "description": (
                'Сумма: число или строка вида "1 500,50" (пробелы, неразрывные пробелы, десятичная запятая); '
                "по модулю меньше 10^15 / a sum; decimal comma and spaces allowed"
            ),
            "examples": [1500.5, "1 500,50"],
        },
        "HttpAddress": {
            "type": "string",
            "format": "uri",
            "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://",
            "maxLength": 2000,
            "description": "Адрес http:// или https:// / an http(s) URL",
        },
        "BaseRequest": {
            "type": "object",
            "required": ["key", "id_base"],
            "properties": base_properties,
        },
        "LinkBaseRequest": {
            "type": "object",
            "required": ["key", "id_base", "web_address", "url_address", "param1", "param2"],
            "properties": {
                **base_properties,
                "web_address": {**_ref("HttpAddress"), "description": "Адрес обработчиков 1С / 1C handlers URL"},
                "url_address": {**_ref("HttpAddress"), "description": "Адрес сервера 1С / 1C server URL"},
                "param1": {
                    "type": ["string", "number"],
                    "minLength": 1,
                    "maxLength": 255,
                    "description": "Логин 1С / 1C login",
                },
                "param2": {
                    "type": ["string", "integer"],
                    "minLength": 1,
                    "description": "Пароль 1С, хранится зашифрованным, как передан / 1C password, stored encrypted",
                },
            },
        },
        "ContactRequest": entity_request(
            'Нужен "id", "id_1c" (тогда и "name" для новой) или "phone"/"email" / an id, an id_1c or phone/email',
            {
                "id": optional_id,
                "id_1c": {**optional_text, "maxLength": 100},
                "link": optional_text,
                "name": {**optional_text, "maxLength": 255},
                "responsible_user_id": optional_id,
                "phone": {**optional_text, "maxLength": 500, "description": "Телефоны через , или ; / phones"},
                "email": {**optional_text, "maxLength": 500, "description": "Email через , или ; / emails"},
            },
        ),
        "CompanyRequest": entity_request(
            'Нужен "id", "id_1c" (тогда и "name" для новой) или "inn" / an id, an id_1c or the INN',
            {
                "id": optional_id,
                "id_1c": {**optional_text, "maxLength": 100},
                "link": optional_text,
                "name": {**optional_text, "maxLength": 255},
                "inn": {**optional_text, "maxLength": 20, "description": "ИНН/УНП / tax number"},
                "responsible_user_id": optional_id,
            },
        ),
        "CompanyOrOrderRequest": {
            "description": (
                "Компания (2.4) или заказ (2.5, адрес которого ТЗ печатает с ошибкой): заказ — тело с полями заказа "
                "и без name/inn / a company, or an order posted to the path the spec misprints for 2.5"
            ),
            "anyOf": [_ref("CompanyRequest"), _ref("LeadRequest")],
        },
        "LeadRequest": entity_request(
            'Нужен "id" сделки или "id_1c" заказа / the deal id or the order id_1c',
            {
                "id": optional_id,
                "id_1c": {**optional_text, "maxLength": 100},
                "link": optional_text,
                "company_id": optional_id,
                "contact_id": optional_id,
                "budget": {**_ref("Sum"), "description": "Бюджет, не отрицательный / budget, not negative"},
                "order_number": {**optional_text, "maxLength": 100},
                "responsible_user_id": optional_id,
            },
        ),
        "EventRequest": {
            "type": "object",
            "description": 'Нужен "id" сделки или "id_1c" заказа / the deal id or the order id_1c',
            "required": ["key", "id_base", "event_name"],
            "properties": {
                **base_properties,
                "event_name": {
                    "type": "string",
                    "description": "Событие, без учёта регистра / event, case-insensitive: "
                    + ", ".join(item.value for item in EventName),
                    "examples": [item.value for item in EventName],
                },
                "id": optional_id,
                "id_1c": {**optional_text, "maxLength": 100},
                "sum": _ref("Sum"),
                "debt_sum": _ref("Sum"),
                "document_name": {**optional_text, "maxLength": 500},
            },
        },
        "SaveFieldsRequest": {
            "type": "object",
            "description": (
                'Строка таблицы на ключ: "p_123": "ИНН" или "123": "ИНН" (поле amoCRM → поле 1С), '
                '"ИНН": 123 или "ИНН": "p_123" (поле 1С → поле amoCRM), '
                '"p_123": {"field": "ИНН", "name": "ИНН", "enabled": true}. / One correspondence row per key.'
            ),
            "required": ["key", "id_base"],
            "properties": base_properties,
            "patternProperties": {
                "^\\s*(p_)?[0-9]{1,18}\\s*$": {
                    "oneOf": [
                        {"type": ["string", "integer"], "description": "Имя поля 1С / the 1C field name"},
                        _ref("MappingRowObject"),
                    ]
                }
            },
            "additionalProperties": {
                "type": ["integer", "string"],
                "description": 'Ключ — имя поля 1С, значение — id поля amoCRM: 123 или "p_123" / the amoCRM field id',
            },
        },
        "MappingRowObject": {
            "type": "object",
            "description": "Строка таблицы целиком / a whole row",
            "properties": {
                "field": {"type": ["string", "integer"], "description": "Имя поля 1С (или onec_field) / 1C field"},
                "onec_field": {"type": ["string", "integer"]},
                "name": {"description": "Название поля amoCRM (или amo_name) / amoCRM field name"},
                "amo_name": {},
                "enabled": {"type": "boolean", "default": True},
            },
            "anyOf": [{"required": ["field"]}, {"required": ["onec_field"]}],
        },
        "SetHandlersRequest": {
            "type": "object",
            "required": ["key", "id_base", "handlers"],
            "properties": {
                **base_properties,
                "handlers": {
                    "description": (
                        "JSON с обработчиками 1С — любое непустое значение, хранится и отдаётся как есть / "
                        "the handlers package, any non-empty JSON, returned as stored"
                    ),
                    "not": {"enum": [None, "", {}, []]},
                },
            },
        },
        "AmoIdResult": {
            "type": "integer",
            "minimum": 0,
            "maximum": MAX_ID,
            "description": "id найденной или созданной сущности amoCRM / the amoCRM entity's id",
        },
        "VersionResult": {
            "type": "object",
            "required": ["version"],
            "additionalProperties": False,
            "properties": {
                "version": {"type": "integer", "minimum": 0, "description": "№ версии, 0 — нет пакетов / version"}
            },
        },
        "HandlersResult": {
            "type": "object",
            "required": ["version", "handlers"],
            "additionalProperties": False,
            "properties": {
                "version": {"type": "integer", "minimum": 0},
                "handlers": {"description": "Пакет как загружен; null при version 0 / as uploaded; null at 0"},
            },
        },
        "ErrorEnvelope": {
            "type": "object",
            "required": ["success", "data", "error"],
            "additionalProperties": False,
            "properties": {
                "success": {"const": False},
                "data": {"type": "null"},
                "error": {"type": "string", "minLength": 1, "description": "Сообщение для 1С / message for 1C"},
            },
        },
    }
