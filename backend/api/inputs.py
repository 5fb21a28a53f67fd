"""Reading 1C's requests leniently: a UTF-8 BOM, numbers written as strings ("1 500,50"), ids as strings.

Every getter names the field in its error, so 1C's programmer sees what to fix.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from starlette.requests import Request

from backend.api.envelope import BodyTooLarge
from backend.sync.errors import InvalidInput
from backend.sync.numbers import NotANumber, OutOfRange, read_decimal, read_integer

MAX_BODY_BYTES = 1024 * 1024
MAX_BATCH_BYTES = 8 * 1024 * 1024  # a batch carries up to 500 bodies of a single call
MAX_TEXT = 2000  # the longest text field unless its declaration says otherwise
MAX_DEPTH = 32  # 1C's bodies are flat; deeper nesting is an error, and unbounded depth exhausts the stack later
MAX_ID = 2**63 - 1
# json.loads joins an escaped surrogate pair into one character, so any surrogate left in a str is unpaired.
_SURROGATE = re.compile("[\ud800-\udfff]")


async def read_json_object(request: Request, max_bytes: int = MAX_BODY_BYTES) -> Payload:
    """Read and parse the body (at most `max_bytes`) as a JSON object; raises BodyTooLarge or InvalidInput."""
    declared = request.headers.get("content-length")
    # isascii: "²".isdigit() holds, int("²") raises
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(f"тело запроса больше {max_bytes} байт")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(f"тело запроса больше {max_bytes} байт")
        chunks.append(chunk)
    return parse_json_object(b"".join(chunks), _declared_charset(request.headers.get("content-type", "")))


def parse_json_object(raw: bytes, charset: str = "utf-8") -> Payload:
    """Parse bytes (BOM tolerated) as a JSON object; raises InvalidInput naming the problem."""
    if raw.startswith(codecs.BOM_UTF8):
        raw, charset = raw[len(codecs.BOM_UTF8) :], "utf-8"
    try:
        text = raw.decode(charset)
    except (UnicodeError, LookupError):  # UnicodeError: a codec such as punycode fails without a position
        raise InvalidInput("body", f"тело запроса не в кодировке {charset}") from None
    if not text.strip():
        raise InvalidInput("body", "тело запроса пустое: ожидается JSON-объект")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise InvalidInput("body", f"тело запроса не JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidInput("body", "тело запроса должно быть JSON-объектом")
    if _depth(value) > MAX_DEPTH:
        raise InvalidInput("body", f"тело запроса вложено глубже {MAX_DEPTH} уровней")
    for key, item in value.items():
        # json reads 1e400 as infinity, which no answer, sync log or amoCRM field can hold
        if any(isinstance(part, float) and not math.isfinite(part) for part in _parts(item)):
            raise InvalidInput(key, f'поле "{_printable(key)}" содержит число вне допустимого диапазона')
    return Payload(value)


def check_text(payload: Payload, *, skip: str | None = None) -> None:
    """Raise InvalidInput naming the first top-level field (but `skip`, checked by whoever reads it) whose key or
    text, at any depth, holds a NUL character (PostgreSQL cannot store one) or an unpaired UTF-16 surrogate (not
    text at all: it cannot be encoded)."""
    for key, value in payload.data.items():
        if key == skip:
            continue
        for item in _parts([key, value]):
            if isinstance(item, str) and (problem := _bad_character(item)) is not None:
                raise InvalidInput(key, f'поле "{_printable(key)}" содержит {problem}: уберите его')


def _parts(value: Any) -> Iterator[Any]:
    """`value` and every key and value inside it, at any depth (iterative: no recursion limit to hit)."""
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _bad_character(text: str) -> str | None:
    if "\x00" in text:
        return "символ NUL (\\u0000)"
    if _SURROGATE.search(text):
        return "непарный суррогат UTF-16 (например \\ud800): это не текст, передайте строку в UTF-8 целиком"
    return None


def _printable(text: str) -> str:
    """`text` with NUL and surrogates written as escapes, safe to put into an answer."""
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def _depth(value: Any) -> int:
    """How deeply objects and arrays nest in a parsed JSON value (iterative: no recursion limit to hit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _declared_charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip().strip('"')
            try:
                return codecs.lookup(charset).name
            except LookupError:
                return "utf-8"
    return "utf-8"


class Payload:
    """A parsed request object with typed, lenient getters; each raises InvalidInput naming its field."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def _raw(self, name: str) -> Any:
        value = self.data.get(name)
        if isinstance(value, str) and value.strip() == "":
            return None
        return value

    def optional_int(self, name: str) -> int | None:
        """An integer id, also when sent as a string ("31 000 001") or as 5.0; None when missing, null or empty."""
        value = self._raw(name)
        if value is None:
            return None
        if isinstance(value, bool):
            raise InvalidInput(name, f'поле "{name}" должно быть целым числом, получено {json.dumps(value)}')
        try:
            result = _integer(value)
        except NotANumber:
            raise InvalidInput(name, f'поле "{name}" должно быть целым числом, получено {_shown(value)}') from None
        if not 0 <= result <= MAX_ID:
            raise InvalidInput(name, f'поле "{name}" вне допустимого диапазона: {result}')
        return result

    def optional_str(self, name: str, max_length: int = MAX_TEXT) -> str | None:
        """A string, trimmed; numbers are taken and written as text (1C sends ids either way); None when missing,
        null or empty."""
        value = self._raw(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise InvalidInput(name, f'поле "{name}" должно быть строкой, получено {_shown(value)}')
        text = _number_text(value) if not isinstance(value, str) else value.strip()
        if (problem := _bad_character(text)) is not None:
            raise InvalidInput(name, f'поле "{name}" содержит {problem}: уберите его')
        if len(text) > max_length:
            raise InvalidInput(name, f'поле "{name}" длиннее {max_length} символов')
        return text

    def optional_password(self, name: str) -> str | None:
        """A password exactly as sent (spaces may be part of it), a number written as text; None when missing, null
        or empty. The error does not echo the value."""
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise InvalidInput(name, f'поле "{name}" должно быть строкой')
        return str(value)

    def optional_decimal(self, name: str) -> Decimal | None:
        """A sum: a JSON number or a string like "1 500,50" (spaces, no-break spaces, decimal comma)."""
        value = self._raw(name)
        if value is None:
            return None
        if isinstance(value, bool):
            raise InvalidInput(name, f'поле "{name}" должно быть числом, получено {json.dumps(value)}')
        try:
            if isinstance(value, str):
                return read_decimal(value)
            if isinstance(value, int | float):
                return read_decimal(str(value), scientific=True)  # Python writes a large float as 1e+20
            raise NotANumber(value)
        except NotANumber:
            raise InvalidInput(name, f'поле "{name}" должно быть числом, получено {_shown(value)}') from None
        except OutOfRange:
            raise InvalidInput(name, f'поле "{name}" вне допустимого диапазона') from None

    def optional_object(self, name: str) -> Any:
        """Any JSON value (object, list, …) as sent; None when missing or null."""
        return self.data.get(name)


def _integer(value: Any) -> int:
    """An integer JSON value, an integral float (5.0) or 1C's digit text; raises NotANumber."""
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return read_integer(value)
    raise NotANumber(value)


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"
