"""Field correspondence rows (spec 2.7): amoCRM field ↔ 1C field per base and entity, replaced as a whole.

A base keeps at most MAX_MAPPING_ROWS rows per entity, whoever writes them (1C's `*_save_fields`, an admin adding
rows one by one), so every page and every call that reads a table stays small (issue 10).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.models import FieldMapping, MappingKind, OneCBase
from backend.sync.errors import InvalidInput, TooMany

MAX_MAPPING_ROWS = 500
_AMO_FIELD_KEY = re.compile(r"(?:p_)?([0-9]{1,18})")


@dataclass(frozen=True)
class MappingRow:
    """One correspondence row as 1C or an admin gives it."""

    amo_field_id: int
    onec_field: str
    amo_field_name: str = ""
    enabled: bool = True
    key: str = field(default="", compare=False)  # 1C's key the row came from, for error messages


def rows_from_payload(fields: Mapping[str, Any]) -> list[MappingRow]:
    """Read 1C's `*_save_fields` body (without key/id_base) into rows; raises InvalidInput naming the key.

    Each key is one row, in either direction 1C's programmer finds natural:
    `"p_123": "ИНН"` / `"123": "ИНН"` (amoCRM field → 1C field), `"ИНН": 123` / `"ИНН": "p_123"`
    (1C field → amoCRM field), or `"p_123": {"field": "ИНН", "name": "ИНН", "enabled": true}`.
    """
    rows: list[MappingRow] = []
    seen: set[int] = set()
    for key, value in fields.items():
        row = replace(_row(str(key), value), key=str(key))
        if row.amo_field_id in seen:
            raise InvalidInput(key, f'поле amoCRM {row.amo_field_id} указано дважды (ключ "{key}")')
        seen.add(row.amo_field_id)
        rows.append(row)
    return rows


def _row(key: str, value: Any) -> MappingRow:
    key_match = _AMO_FIELD_KEY.fullmatch(key.strip())
    if key_match is not None:
        amo_field_id = int(key_match.group(1))
        if isinstance(value, dict):
            onec_field = _text(key, value.get("field") or value.get("onec_field"))
            enabled = value.get("enabled", True)
            if not isinstance(enabled, bool):
                raise InvalidInput(key, f'"enabled" у поля "{key}" должно быть true или false')
            name = value.get("name") or value.get("amo_name") or ""
            return MappingRow(amo_field_id, onec_field, str(name)[:255], enabled)
        return MappingRow(amo_field_id, _text(key, value))
    onec_field = _text(key, key)
    if isinstance(value, bool):
        raise InvalidInput(key, f'у поля 1С "{key}" должен быть указан id поля amoCRM')
    text = str(value).strip() if isinstance(value, int | str) else ""
    value_match = _AMO_FIELD_KEY.fullmatch(text)
    if value_match is None:
        raise InvalidInput(
            key, f'у поля 1С "{key}" должен быть указан id поля amoCRM (число или "p_<id>"), получено {value!r}'
        )
    return MappingRow(int(value_match.group(1)), onec_field)


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value).strip() == "":
        raise InvalidInput(key, f'у поля "{key}" должно быть указано имя поля 1С (строка)')
    text = str(value).strip()
    if len(text) > 255:
        raise InvalidInput(key, f'имя поля 1С у "{key}" длиннее 255 символов')
    return text


def check_row_count(count: int) -> None:
    """Raise TooMany when a table of one base and entity would hold `count` rows, more than MAX_MAPPING_ROWS."""
    if count > MAX_MAPPING_ROWS:
        raise TooMany(
            MAX_MAPPING_ROWS, f"не больше {MAX_MAPPING_ROWS} строк соответствия на сущность: получено {count}"
        )


async def _lock_tables(base: OneCBase) -> None:
    # PostgreSQL: writers of one base's tables wait for each other, so the row count a writer checks still holds
    # when it commits (NO KEY: calls that only link rows to the base are not held up). SQLite writes one at a time.
    await OneCBase.filter(id=base.id).select_for_update(no_key=True).first()


async def replace_rows(base: OneCBase, kind: MappingKind, rows: Iterable[MappingRow]) -> int:
    """Replace every row of `kind` for `base` with `rows`, atomically; returns how many; raises TooMany."""
    rows = list(rows)
    check_row_count(len(rows))
    async with in_transaction():
        await _lock_tables(base)
        await FieldMapping.filter(base_id=base.id, kind=kind).delete()
        if rows:
            await FieldMapping.bulk_create(
                [
                    FieldMapping(
                        base_id=base.id,
                        kind=kind,
                        amo_field_id=row.amo_field_id,
                        amo_field_name=row.amo_field_name,
                        onec_field=row.onec_field,
                        enabled=row.enabled,
                    )
                    for row in rows
                ]
            )
    return len(rows)


async def enabled_rows(base: OneCBase, kind: MappingKind) -> list[FieldMapping]:
    """The enabled rows of `kind` for `base` in a stable order; of a table stored before the limit, the first ones."""
    rows = FieldMapping.filter(base_id=base.id, kind=kind, enabled=True)
    return await rows.order_by("amo_field_id").limit(MAX_MAPPING_ROWS)


async def listed_rows(base: OneCBase, kind: MappingKind) -> tuple[list[FieldMapping], int]:
    """The first MAX_MAPPING_ROWS rows of `kind` for `base` in the order they were added, and how many are stored."""
    rows = FieldMapping.filter(base_id=base.id, kind=kind)
    listed = await rows.order_by("id").limit(MAX_MAPPING_ROWS)
    return listed, (await rows.count() if len(listed) == MAX_MAPPING_ROWS else len(listed))


async def add_row(base: OneCBase, kind: MappingKind, row: MappingRow) -> FieldMapping:
    """Add one row of `kind` to `base`; raises InvalidInput when that amoCRM field has a row, TooMany when full."""
    _check_row(row)
    try:
        async with in_transaction():
            await _lock_tables(base)
            check_row_count(await FieldMapping.filter(base_id=base.id, kind=kind).count() + 1)
            return await FieldMapping.create(
                base_id=base.id,
                kind=kind,
                amo_field_id=row.amo_field_id,
                amo_field_name=row.amo_field_name[:255],
                onec_field=row.onec_field,
                enabled=row.enabled,
            )
    except IntegrityError:
        raise InvalidInput("amo_field_id", _duplicate(row)) from None


async def change_row(mapping: FieldMapping, row: MappingRow) -> FieldMapping:
    """Change a stored row; raises InvalidInput when another row of its table already maps that amoCRM field."""
    _check_row(row)
    taken = (
        await FieldMapping.filter(base_id=mapping.base_id, kind=mapping.kind, amo_field_id=row.amo_field_id)
        .exclude(id=mapping.id)
        .exists()
    )
    if taken:
        raise InvalidInput("amo_field_id", _duplicate(row))
    mapping.amo_field_id = row.amo_field_id
    mapping.amo_field_name = row.amo_field_name[:255]
    mapping.onec_field = row.onec_field
    mapping.enabled = row.enabled
    try:
        await mapping.save()
    except IntegrityError:
        raise InvalidInput("amo_field_id", _duplicate(row)) from None
    return mapping


def _check_row(row: MappingRow) -> None:
    if not row.onec_field.strip():
        raise InvalidInput("onec_field", "укажите поле 1С")
    if len(row.onec_field) > 255:
        raise InvalidInput("onec_field", "имя поля 1С длиннее 255 символов")


def _duplicate(row: MappingRow) -> str:
    name = row.amo_field_name or str(row.amo_field_id)
    return f"для поля amoCRM «{name}» строка уже есть: измените её вместо новой"
