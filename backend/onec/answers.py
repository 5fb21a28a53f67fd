"""Readers that turn the JSON of a 200 answer into records, one per request type; each raises OneCBadAnswer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from backend.onec.errors import OneCBadAnswer, clip
from backend.onec.records import Document, Saved
from backend.onec.wire import EXCERPT_CHARS

DOCUMENT_TEXT_KEYS = ("doc_type", "parent_link", "google_drive_id", "google_drive_link")
# What amo1c stores of an answer must fit its columns: PostgreSQL enforces varchar lengths (and refuses NUL).
MAX_ID_1C = 100
MAX_VERSION = 64


def _shown(data: Any) -> str:
    """Return a JSON value as a short excerpt for an error's detail."""
    return clip(json.dumps(data, ensure_ascii=False, default=str), EXCERPT_CHARS)


def _bad(operation: str, problem: str, data: Any) -> OneCBadAnswer:
    """Return the error for a 200 answer of the wrong shape."""
    return OneCBadAnswer(f"1С ответила на {operation} не по формату: {problem}", status=200, detail=_shown(data))


def _scalar_text(value: Any) -> str | None:
    """Return a string (stripped) or a number as text; None for anything else (objects, lists, booleans, null)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _required_text(data: Mapping[str, Any], key: str, operation: str, where: str = "") -> str:
    """Return a non-empty string or number field as text; raises OneCBadAnswer naming the key."""
    text = _scalar_text(data.get(key))
    if not text:
        raise _bad(operation, f"нет поля «{where}{key}» или оно пустое", data)
    return text


def _stored_text(data: Mapping[str, Any], key: str, operation: str, max_length: int | None = None) -> str:
    """Like _required_text for a value amo1c stores: no NUL character, at most `max_length` characters."""
    text = _required_text(data, key, operation)
    if "\x00" in text:
        raise _bad(operation, f"поле «{key}» содержит символ NUL", data)
    if max_length is not None and len(text) > max_length:
        raise _bad(operation, f"поле «{key}» длиннее {max_length} символов", data)
    return text


def read_documents(data: Any) -> list[Document]:
    """Return the documents of a `get_orders` answer (a JSON array; empty body or `null` mean none).

    Each item needs a non-empty `title` and `link`; the other keys default to "". Raises OneCBadAnswer.
    """
    operation = "get_orders"
    if data is None:
        return []
    if not isinstance(data, list):
        raise _bad(operation, "ожидается массив документов", data)
    documents = []
    for index, item in enumerate(data):
        where = f"[{index}]."
        if not isinstance(item, Mapping):
            raise _bad(operation, f"элемент [{index}] не объект", item)
        optional: dict[str, str] = {}
        for key in DOCUMENT_TEXT_KEYS:
            value = item.get(key)
            text = "" if value is None else _scalar_text(value)
            if text is None:
                raise _bad(operation, f"поле «{where}{key}» не строка", item)
            optional[key] = text
        documents.append(
            Document(
                title=_required_text(item, "title", operation, where),
                link=_required_text(item, "link", operation, where),
                **optional,
            )
        )
    return documents


def read_saved(data: Any, operation: str) -> Saved:
    """Return the `{link, id_1c}` answer of `new_lead`/`new_order` (a numeric id_1c becomes text).

    Raises OneCBadAnswer when it is not an object, either field is missing or empty, or cannot be stored.
    """
    if not isinstance(data, Mapping):
        raise _bad(operation, "ожидается объект с полями link и id_1c", data)
    return Saved(link=_stored_text(data, "link", operation), id_1c=_stored_text(data, "id_1c", operation, MAX_ID_1C))


def read_version(data: Any, operation: str) -> str:
    """Return the handlers version of a `{"version": …}` answer as text (1C may send a number).

    Raises OneCBadAnswer when it is not an object or the version is missing, empty or cannot be stored.
    """
    if not isinstance(data, Mapping):
        raise _bad(operation, "ожидается объект с полем version", data)
    return _stored_text(data, "version", operation, MAX_VERSION)
