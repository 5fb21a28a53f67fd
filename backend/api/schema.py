"""The schemas of the sync API's OpenAPI document: each request derived from its body declaration (api/body.py),
the pieces requests share, the answers, and the error responses.

Descriptions are Russian (1C programmers read them) with a short English gloss after " / ".
"""

from __future__ import annotations

from typing import Any

from backend.api.body import EMPTY_JSON, ID_BASE, ITEMS, KEY, Body, Field, Kind, body_fields
from backend.api.inputs import MAX_BODY_BYTES, MAX_ID
from backend.sync.bases import MAX_ADDRESS
from backend.sync.mapping import MAX_MAPPING_ROWS
from backend.sync.records import EventName

Schema = dict[str, Any]

SCHEMAS = "#/components/schemas/"
RESPONSES = "#/components/responses/"
LENIENT_INT = 'число или строка из цифр (пробелы допускаются: "31 000 001") / a number or a digit string'
MAPPED_NOTE = "Другие ключи — поля 1С из таблицы соответствия (2.7) / other keys: mapped 1C fields"
CUSTOM_VALUES: Schema = {
    "^p_[0-9]{1,18}$": {
        "description": (
            "Значение поля amoCRM с этим id; null или пустая строка очищает поле / the amoCRM custom field's "
            "value; null or empty clears it"
        )
    }
}
# Status → (name under components/responses, description) of every error answer.
ERRORS: dict[int, tuple[str, str]] = {
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


def ref(name: str) -> Schema:
    """A reference to the schema `name` under components/schemas."""
    return {"$ref": SCHEMAS + name}


def request_schema(body: type[Body], *, item: bool = False) -> Schema:
    """The JSON schema of a body declaration: `key`, `id_base` (not in a batch's `item`) and its declared fields
    (and, for a mapped body, `p_<id>` values and any other key)."""
    fields = body_fields(body)
    schema: Schema = {"type": "object"}
    if body.note is not None:
        schema["description"] = f"{body.note}. {MAPPED_NOTE}" if body.mapped else body.note
    envelope = [] if item else [KEY, ID_BASE]
    schema["required"] = [*(field.name for field in envelope), *(field.name for field in fields if field.required)]
    schema["properties"] = {
        **({} if item else {KEY.name: ref("AccountKey"), ID_BASE.name: ref("BaseId")}),
        **{field.name: field_schema(field) for field in fields},
    }
    if body.mapped:
        schema["patternProperties"] = CUSTOM_VALUES
        schema["additionalProperties"] = True
    return schema


def batch_schema(item: str, max_items: int) -> Schema:
    """The JSON schema of a batch whose items are the bodies of the schema `item` without `key`/`id_base`."""
    return {
        "type": "object",
        "required": [KEY.name, ID_BASE.name, ITEMS.name],
        "properties": {
            KEY.name: ref("AccountKey"),
            ID_BASE.name: ref("BaseId"),
            ITEMS.name: {
                "type": "array",
                "minItems": 1,
                "maxItems": max_items,
                "description": (
                    f"От 1 до {max_items} тел одиночного вызова без key/id_base (если указаны — те же, что у пакета) "
                    f"/ 1 to {max_items} bodies of the single call"
                ),
                "items": ref(item),
            },
        },
    }


def field_schema(field: Field) -> Schema:
    """The JSON schema of one declared field, as leniently as its kind is read."""
    schema: Schema
    match field.kind:
        case Kind.ID:
            schema = {
                "type": ["integer", "string", "null"],
                "description": f"id amoCRM: {LENIENT_INT}; null или пустая строка — не задан / null or empty = not "
                "given",
            }
        case Kind.TEXT | Kind.LINK if field.required:
            schema = {"type": ["string", "number"], "minLength": 1, "maxLength": field.max_length}
        case Kind.TEXT | Kind.LINK:
            schema = {
                "type": ["string", "number", "null"],
                "description": "Строка; число записывается как текст; null или пустая строка — не задано / text",
                "maxLength": field.max_length,
            }
        case Kind.SUM:
            schema = ref("Sum")
        case Kind.ADDRESS:
            schema = ref("HttpAddress")
        case Kind.PASSWORD:
            schema = {"type": ["string", "integer"], "minLength": 1}
        case Kind.EVENT:
            schema = {
                "type": "string",
                "description": "Событие, без учёта регистра / event, case-insensitive: "
                + ", ".join(item.value for item in EventName),
                "examples": [item.value for item in EventName],
            }
        case Kind.JSON:
            schema = {"not": {"enum": list(EMPTY_JSON)}}
    if field.description is not None:
        schema["description"] = field.description
    return schema


def error_responses() -> dict[str, Any]:
    """components/responses: the envelope of every error status, with its headers."""
    retry_after = {
        "Retry-After": {
            "description": "Через сколько секунд повторить / seconds to wait",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    }
    headers = {
        401: {"WWW-Authenticate": {"description": "Basic realm, charset UTF-8", "schema": {"type": "string"}}},
        429: retry_after,
        503: retry_after,
    }
    responses: dict[str, Any] = {}
    for status, (name, description) in ERRORS.items():
        envelope = {"application/json": {"schema": ref("ErrorEnvelope")}}
        response: Schema = {"description": description, "content": envelope}
        if status in headers:
            response["headers"] = headers[status]
        responses[name] = response
    return responses


def shared_schemas() -> dict[str, Schema]:
    """components/schemas besides the declared requests: what requests share, 2.7's rows, answers, the envelope."""
    return {
        "AccountKey": {
            "type": ["integer", "string"],
            "minimum": 0,
            "maximum": MAX_ID,
            "description": f"id аккаунта amoCRM (обязательный): {LENIENT_INT}",
            "examples": [31000001, "31000001"],
        },
        "BaseId": {
            "type": ["string", "number"],
            "minLength": 1,
            "maxLength": ID_BASE.max_length,
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
            "maxLength": MAX_ADDRESS,
            "description": "Адрес http:// или https:// / an http(s) URL",
        },
        "SaveFieldsRequest": {
            "type": "object",
            "description": (
                'Строка таблицы на ключ: "p_123": "ИНН" или "123": "ИНН" (поле amoCRM → поле 1С), '
                '"ИНН": 123 или "ИНН": "p_123" (поле 1С → поле amoCRM), '
                '"p_123": {"field": "ИНН", "name": "ИНН", "enabled": true}. / One correspondence row per key.'
            ),
            "required": [KEY.name, ID_BASE.name],
            "properties": {KEY.name: ref("AccountKey"), ID_BASE.name: ref("BaseId")},
            "patternProperties": {
                "^\\s*(p_)?[0-9]{1,18}\\s*$": {
                    "oneOf": [
                        {"type": ["string", "integer"], "description": "Имя поля 1С / the 1C field name"},
                        ref("MappingRowObject"),
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
        "BatchResult": {
            "type": "array",
            "description": "Ответ на каждый элемент пакета, в его порядке / one answer per item, in order",
            "items": {
                "type": "object",
                "required": ["id_1c", "success", "data", "error"],
                "additionalProperties": False,
                "properties": {
                    "id_1c": {"type": ["string", "null"], "description": "id_1c элемента / the item's id_1c"},
                    "success": {"type": "boolean"},
                    "data": {
                        "type": ["integer", "null"],
                        "minimum": 0,
                        "maximum": MAX_ID,
                        "description": "id сущности amoCRM, как ответ одиночного вызова / the amoCRM id",
                    },
                    "error": {
                        "type": ["string", "null"],
                        "description": "Почему элемент не записан (остальные записаны) / why this item failed",
                    },
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
