"""Each sync call's body, declared once: a frozen dataclass per request whose fields say their kind.

The handler reads its values from the declaration (`read_body`), and the OpenAPI document describes the request
from the same declaration (`api/schema.py`), so the two cannot drift apart. A declaration's class name is its
request schema's name in the document.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from backend.api.inputs import MAX_TEXT, Payload
from backend.sync.errors import InvalidInput
from backend.sync.hrefs import check_link
from backend.sync.records import EventName

EMPTY_JSON: tuple[Any, ...] = (None, "", {}, [])  # a JSON field holding one of these is not given
_DECLARED = "amo1c.field"
_FIELDS: dict[type[Body], tuple[Field, ...]] = {}  # body_fields of each declaration, read on every call


class Kind(StrEnum):
    """What a field holds: it decides both how the field is read and how the document describes it."""

    ID = "id"  # an amoCRM id: a number or a digit string ("31 000 001")
    TEXT = "text"  # text; a number is taken and written as text
    LINK = "link"  # text that the card can show as a link (sync.hrefs.check_link)
    SUM = "sum"  # a number or text like "1 500,50"
    ADDRESS = "address"  # an http(s) URL, checked by sync/ when the base is linked
    PASSWORD = "password"  # text or a number, kept exactly as sent
    EVENT = "event"  # an EventName, in any letter case
    JSON = "json"  # any JSON value, kept as sent


@dataclasses.dataclass(frozen=True)
class Field:
    """One field of a body: its JSON name and kind, whether it must be given, its longest text, and what the
    document says of it (Russian / English; None: the kind's own words)."""

    name: str
    kind: Kind
    required: bool = False
    max_length: int = MAX_TEXT
    description: str | None = None


@dataclasses.dataclass(frozen=True)
class Body:
    """The base of every body declaration; none declares `key` or `id_base`, which the endpoint wrapper reads
    (KEY, ID_BASE) before the caller is admitted."""

    note: ClassVar[str | None] = None  # what the document says of the whole body (Russian / English)
    mapped: ClassVar[bool] = False  # other keys are 1C fields of the correspondence table and `p_<amoCRM field id>`


@dataclasses.dataclass(frozen=True)
class BaseRequest(Body):
    """The body of a call about its base alone (2.8, 2.9): nothing beyond `key` and `id_base` (not to be confused
    with sync.records.BaseRequest, a link awaiting approval)."""


B = TypeVar("B", bound=Body)

KEY = Field("key", Kind.ID, required=True)
ID_BASE = Field("id_base", Kind.TEXT, required=True, max_length=100)
ID_1C = Field("id_1c", Kind.TEXT, max_length=100)  # as the bodies of 2.3–2.6 declare it
ITEMS = Field("items", Kind.JSON, required=True)  # a batch's bodies of its single call (api/batch.py reads them)


def declared(kind: Kind, *, required: bool = False, max_length: int = MAX_TEXT, description: str | None = None) -> Any:
    """A field of a body declaration; its JSON name is the attribute's."""
    return dataclasses.field(metadata={_DECLARED: Field("", kind, required, max_length, description)})


def body_fields(body: type[Body]) -> tuple[Field, ...]:
    """The declared fields of a body, in the order they are read (worked out once per declaration)."""
    fields = _FIELDS.get(body)
    if fields is None:
        fields = tuple(_declared_field(item) for item in dataclasses.fields(body))
        _FIELDS[body] = fields
    return fields


def _declared_field(item: dataclasses.Field[Any]) -> Field:
    declaration: Field = item.metadata[_DECLARED]
    return dataclasses.replace(declaration, name=item.name)


def read_body(body: type[B], payload: Payload) -> B:
    """The body's fields read from the payload in declaration order; raises InvalidInput naming the first bad one."""
    return body(**{field.name: read_field(payload, field) for field in body_fields(body)})


def read_field(payload: Payload, field: Field) -> Any:
    """One field's value (None when not given); raises InvalidInput naming it, also when it is required and absent."""
    value = _read(payload, field)
    if value is None and field.required:
        raise InvalidInput(field.name, f'не заполнено обязательное поле "{field.name}"')
    return value


def _read(payload: Payload, field: Field) -> Any:
    name = field.name
    match field.kind:
        case Kind.ID:
            return payload.optional_int(name)
        case Kind.TEXT | Kind.ADDRESS:
            return payload.optional_str(name, field.max_length)
        case Kind.LINK:
            return check_link(payload.optional_str(name, field.max_length), name)
        case Kind.SUM:
            return payload.optional_decimal(name)
        case Kind.PASSWORD:
            return payload.optional_password(name)
        case Kind.EVENT:
            return _event(name, payload.optional_str(name, field.max_length))
        case Kind.JSON:
            value = payload.optional_object(name)
            return None if value in EMPTY_JSON else value


def _event(name: str, text: str | None) -> EventName | None:
    if text is None:
        return None
    try:
        return EventName(text.lower())
    except ValueError:
        allowed = ", ".join(item.value for item in EventName)
        raise InvalidInput(name, f'поле "{name}": неизвестное событие "{text}", допустимы {allowed}') from None
