"""Field checks for request bodies; each failure is a RequestError carrying 1C's Russian message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_INN = re.compile(r"[0-9]{9}|[0-9]{10}|[0-9]{12}")
_P_FIELD = re.compile(r"p_[0-9]+")


class RequestError(Exception):
    """A request the 1C handler rejects with 400; the message is the text body it answers."""


def required(data: Mapping[str, Any], name: str, prefix: str = "") -> Any:
    """Return `data[name]`; raises RequestError naming the field when it is missing, null or ""."""
    value = data.get(name)
    if value is None or value == "":
        raise RequestError(f'Не заполнено обязательное поле "{prefix}{name}"')
    return value


def required_id(data: Mapping[str, Any], name: str, prefix: str = "") -> int:
    """Return a required amoCRM id as int (digit strings accepted); raises RequestError otherwise."""
    value = required(data, name, prefix)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise RequestError(f'Неверное значение поля "{prefix}{name}": ожидается число, получено {value!r}')


def required_text(data: Mapping[str, Any], name: str, prefix: str = "") -> str:
    """Return a required non-empty string field; raises RequestError when missing or not a string."""
    value = required(data, name, prefix)
    if not isinstance(value, str):
        raise RequestError(f'Неверное значение поля "{prefix}{name}": ожидается строка, получено {value!r}')
    return value


def optional_text(data: Mapping[str, Any], name: str, prefix: str = "") -> str | None:
    """Return a string field or None when absent or empty; raises RequestError for another type."""
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RequestError(f'Неверное значение поля "{prefix}{name}": ожидается строка, получено {value!r}')
    return value


def optional_object(data: Mapping[str, Any], name: str, prefix: str = "") -> Mapping[str, Any] | None:
    """Return a nested JSON object or None when absent; raises RequestError for another type."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise RequestError(f'Неверное значение поля "{prefix}{name}": ожидается объект')
    return value


def company_inn(data: Mapping[str, Any], prefix: str) -> str:
    """Return a company's ИНН (10 or 12 digits) or УНП (9 digits); raises RequestError when absent or invalid."""
    value = data.get("inn")
    if value is None or value == "":
        raise RequestError(f'Не заполнен ИНН (поле "{prefix}inn")')
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not _INN.fullmatch(text):
        raise RequestError(
            f'Некорректный ИНН/УНП "{value}" (поле "{prefix}inn"): нужно 10 или 12 цифр ИНН либо 9 цифр УНП'
        )
    return text


def amo_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the `p_<amoCRM field id>` values of a request object."""
    return {key: value for key, value in data.items() if _P_FIELD.fullmatch(key)}
