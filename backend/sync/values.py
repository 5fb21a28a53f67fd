"""Checking what 1C wants written to amoCRM before sending it: fields that exist, values of the right type.

amoCRM refuses a whole write for one bad value; checking here turns that into a 400 that names 1C's own key
(`p_123`, or the 1C field name of a correspondence row) instead of a 502 about amoCRM's internal path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from backend.amocrm import AmoCRMClient, CustomField, FieldValue
from backend.models import MappingKind, OneCBase
from backend.sync.directory import ENTITY_OF_KIND, AmoEntity, FieldDirectory
from backend.sync.errors import InvalidInput
from backend.sync.mapping import MappingRow
from backend.sync.numbers import read_decimal

NUMERIC = frozenset({"numeric", "price", "monetary"})
CHOICES = frozenset({"select", "radiobutton", "multiselect", "category"})
DATES = frozenset({"date", "date_time", "birthday"})
TRUE = frozenset({"1", "true", "yes", "да", "истина"})
FALSE = frozenset({"0", "false", "no", "нет", "ложь"})
ENTITY_NAMES = {"contacts": "контактов", "companies": "компаний", "leads": "сделок"}
_P_KEY = re.compile(r"p_[0-9]{1,18}")


@dataclass
class CustomValues:
    """Values for amoCRM custom fields by field id, with the 1C key each came from (for error messages)."""

    values: dict[int, str | None] = field(default_factory=dict)
    keys: dict[int, str] = field(default_factory=dict)

    def put(self, field_id: int, value: str | None, key: str) -> None:
        """Set one value; a later put for the same field wins (explicit p_ keys override mapped names)."""
        self.values[field_id] = value
        self.keys[field_id] = key


async def collect(
    directory: FieldDirectory, base: OneCBase, kind: MappingKind, data: Mapping[str, Any]
) -> CustomValues:
    """The values 1C sent for custom fields: under the 1C names of enabled correspondence rows (the directory's
    cache of them), then `p_<id>` keys."""
    collected = CustomValues()
    for row in await directory.rows(base, kind):
        if row.onec_field in data and data[row.onec_field] not in (None, ""):
            collected.put(int(row.amo_field_id), _text(data[row.onec_field]), row.onec_field)
    for key, value in data.items():
        if _P_KEY.fullmatch(key):
            collected.put(int(key[2:]), None if value in (None, "") else _text(value), key)
    return collected


async def checked(
    amo: AmoCRMClient, directory: FieldDirectory, entity: AmoEntity, custom: CustomValues
) -> dict[int, FieldValue | None]:
    """The values converted to each field's type; raises InvalidInput naming 1C's key for a bad one."""
    if not custom.values:
        return {}
    fields = {item.id: item for item in await directory.fields(amo, entity)}
    result: dict[int, FieldValue | None] = {}
    for field_id, text in custom.values.items():
        key = custom.keys[field_id]
        definition = fields.get(field_id)
        if definition is None:
            raise _no_field(key, entity, field_id)
        result[field_id] = None if text is None else convert(definition, text, key)
    return result


async def check_rows(
    amo: AmoCRMClient, directory: FieldDirectory, kind: MappingKind, rows: Sequence[MappingRow]
) -> None:
    """Raise InvalidInput naming 1C's key of the first row whose amoCRM field (user, for Сотрудник) the account
    lacks, after reading the account's cached lists again once; raises AmoCRMError."""
    unknown = await _first_unknown(amo, directory, kind, rows)
    if unknown is not None:  # perhaps added in amoCRM since the lists were cached
        directory.forget(amo.account_id)
        unknown = await _first_unknown(amo, directory, kind, rows)
    if unknown is None:
        return
    if kind == MappingKind.USER:
        raise InvalidInput(unknown.key, f'поле "{unknown.key}": в amoCRM нет пользователя с id {unknown.amo_field_id}')
    raise _no_field(unknown.key, ENTITY_OF_KIND[kind], unknown.amo_field_id)


async def _first_unknown(
    amo: AmoCRMClient, directory: FieldDirectory, kind: MappingKind, rows: Sequence[MappingRow]
) -> MappingRow | None:
    if not rows:
        return None
    if kind == MappingKind.USER:
        known = {user.id for user in await directory.users(amo)}
    else:
        known = {item.id for item in await directory.fields(amo, ENTITY_OF_KIND[kind])}
    return next((row for row in rows if row.amo_field_id not in known), None)


def _no_field(key: str, entity: AmoEntity, field_id: int) -> InvalidInput:
    return InvalidInput(key, f'поле "{key}": у {ENTITY_NAMES[entity]} в amoCRM нет поля с id {field_id}')


async def check_user(amo: AmoCRMClient, directory: FieldDirectory, user_id: int | None) -> None:
    """Raise InvalidInput when `user_id` is not a user of the account (amoCRM would refuse the whole write)."""
    if user_id is None:
        return
    if user_id not in {user.id for user in await directory.users(amo)}:
        raise InvalidInput(
            "responsible_user_id", f'поле "responsible_user_id": в amoCRM нет пользователя с id {user_id}'
        )


def convert(definition: CustomField, text: str, key: str) -> FieldValue:
    """One value in the form amoCRM takes for the field's type; raises InvalidInput."""
    kind = definition.type
    if kind in NUMERIC:
        try:
            number = read_decimal(text, scientific=True)
        except ValueError:  # NotANumber or OutOfRange: to 1C's programmer both say "not a usable number"
            raise InvalidInput(key, f'поле "{key}" ({definition.name}) должно быть числом, получено "{text}"') from None
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "checkbox":
        lowered = text.strip().lower()
        if lowered in TRUE or lowered in FALSE:
            return lowered in TRUE
        raise InvalidInput(key, f'поле "{key}" ({definition.name}) — флажок: ожидается true/false или 1/0')
    if kind in CHOICES:
        for option in definition.enums:
            if option.value.strip().lower() == text.strip().lower():
                return option.value
        options = ", ".join(f'"{option.value}"' for option in definition.enums[:10])
        raise InvalidInput(key, f'поле "{key}" ({definition.name}): значения "{text}" нет среди {options}')
    if kind in DATES:
        return _timestamp(text, key, definition.name)
    return text


def _timestamp(text: str, key: str, name: str) -> int:
    value = text.strip()
    if value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value)
    for pattern in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return int(datetime.strptime(value, pattern).replace(tzinfo=UTC).timestamp())
        except ValueError:
            continue
    raise InvalidInput(key, f'поле "{key}" ({name}) — дата: ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД, получено "{text}"')


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
