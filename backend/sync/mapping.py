"""Field correspondence rows (spec 2.7): amoCRM field ↔ 1C field per base and entity, replaced as a whole.

A base keeps at most MAX_MAPPING_ROWS rows per entity, whoever writes them (1C's `*_save_fields`, an admin adding
rows one by one), so every page and every call that reads a table stays small (issue 10).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.models import FieldMapping, MappingKind, OneCBase
from backend.sync.errors import InvalidInput, TooMany

MAX_MAPPING_ROWS = 500
MAX_ONEC_FIELD = 255
_AMO_FIELD_KEY = re.compile(r"(?:p_)?([0-9]{1,18})")


@dataclass(frozen=True)
class MappingRow:
    """One correspondence row as 1C or an admin gives it."""

    amo_field_id: int
    onec_field: str
    amo_field_name: str = ""
    enabled: bool = True
    key: str = field(default="", compare=False)  # 1C's key the row came from, for error messages


@dataclass(frozen=True)
class EditedRow:
    """A row as an admin typed it: the amoCRM field (None when what was sent is no id), the 1C field, on or off."""

    amo_field_id: int | None
    onec_field: str
    enabled: bool


class RowProblem(StrEnum):
    """What can be wrong with a row an admin adds or changes (each has a text in the settings page's language)."""

    UNKNOWN_FIELD = "unknown_field"  # the account has no such amoCRM field (user, for Сотрудник)
    FIELDS_UNREAD = "fields_unread"  # the account's fields could not be read from amoCRM to check a new choice
    DUPLICATE = "duplicate"  # another row of the table maps that amoCRM field
    NO_ONEC_FIELD = "onec_field"
    ONEC_FIELD_LONG = "onec_field_long"
    TOO_MANY = "too_many"  # the table holds MAX_MAPPING_ROWS rows already


PROBLEM_TEXTS = {
    RowProblem.UNKNOWN_FIELD: "такого поля нет в amoCRM",
    RowProblem.FIELDS_UNREAD: "поля amoCRM не прочитать, чтобы проверить выбранное",
    RowProblem.DUPLICATE: "для этого поля amoCRM строка уже есть: измените её вместо новой",
    RowProblem.NO_ONEC_FIELD: "укажите поле 1С",
    RowProblem.ONEC_FIELD_LONG: f"имя поля 1С длиннее {MAX_ONEC_FIELD} символов",
    RowProblem.TOO_MANY: f"не больше {MAX_MAPPING_ROWS} строк соответствия на сущность",
}


class InvalidRow(InvalidInput):
    """A row an admin gives breaks the table's rules; `problems` names every field that is wrong (`rows` for the
    table being full) and what is wrong with it."""

    def __init__(self, problems: dict[str, RowProblem], message: str | None = None) -> None:
        first = next(iter(problems))
        super().__init__(first, message or "; ".join(PROBLEM_TEXTS[problem] for problem in problems.values()))
        self.problems = problems


def onec_field_problem(text: str) -> RowProblem | None:
    """What is wrong with a 1C field's name (None when nothing): the one rule for 1C's rows and an admin's."""
    if not text.strip():
        return RowProblem.NO_ONEC_FIELD
    if len(text) > MAX_ONEC_FIELD:
        return RowProblem.ONEC_FIELD_LONG
    return None


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
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    problem = onec_field_problem(text)
    if problem == RowProblem.NO_ONEC_FIELD:
        raise InvalidInput(key, f'у поля "{key}" должно быть указано имя поля 1С (строка)')
    if problem == RowProblem.ONEC_FIELD_LONG:
        raise InvalidInput(key, f'имя поля 1С у "{key}" длиннее {MAX_ONEC_FIELD} символов')
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


async def checked_row(
    base_id: int,
    kind: MappingKind,
    edited: EditedRow,
    known: Mapping[int, str] | None,
    *,
    existing: FieldMapping | None = None,
) -> MappingRow:
    """The row to store from what an admin typed, the amoCRM field's name taken from `known` (the account's fields
    of the entity, or users for Сотрудник, by id; None when they could not be read); raises InvalidRow naming every
    field that is wrong. A stored row may keep its amoCRM field even when amoCRM no longer has it."""
    problems: dict[str, RowProblem] = {}
    amo_field_id = edited.amo_field_id
    name = None if known is None or amo_field_id is None else known.get(amo_field_id)
    if name is None and existing is not None and amo_field_id == existing.amo_field_id:
        name = existing.amo_field_name  # kept as it was, even if gone from amoCRM
    if name is None or amo_field_id is None:
        problems["amo_field_id"] = RowProblem.FIELDS_UNREAD if known is None else RowProblem.UNKNOWN_FIELD
    elif await _taken(base_id, kind, amo_field_id, existing):
        problems["amo_field_id"] = RowProblem.DUPLICATE
    if (problem := onec_field_problem(edited.onec_field)) is not None:
        problems["onec_field"] = problem
    if problems or name is None or amo_field_id is None:
        raise InvalidRow(problems)
    return MappingRow(amo_field_id, edited.onec_field, name, edited.enabled)


async def _taken(base_id: int, kind: MappingKind, amo_field_id: int, existing: FieldMapping | None) -> bool:
    rows = FieldMapping.filter(base_id=base_id, kind=kind, amo_field_id=amo_field_id)
    return await (rows.exclude(id=existing.id) if existing is not None else rows).exists()


async def add_row(base: OneCBase, kind: MappingKind, row: MappingRow) -> FieldMapping:
    """Add one row of `kind` to `base`; raises InvalidRow when that amoCRM field has a row, TooMany when full."""
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
        raise _duplicate(row) from None


async def change_row(mapping: FieldMapping, row: MappingRow) -> FieldMapping:
    """Change a stored row; raises InvalidRow when another row of its table already maps that amoCRM field."""
    _check_row(row)
    if await _taken(mapping.base_id, MappingKind(mapping.kind), row.amo_field_id, mapping):
        raise _duplicate(row)
    mapping.amo_field_id = row.amo_field_id
    mapping.amo_field_name = row.amo_field_name[:255]
    mapping.onec_field = row.onec_field
    mapping.enabled = row.enabled
    try:
        await mapping.save()
    except IntegrityError:
        raise _duplicate(row) from None
    return mapping


def _check_row(row: MappingRow) -> None:
    if (problem := onec_field_problem(row.onec_field)) is not None:
        raise InvalidRow({"onec_field": problem})


def _duplicate(row: MappingRow) -> InvalidRow:
    name = row.amo_field_name or str(row.amo_field_id)
    message = f"для поля amoCRM «{name}» строка уже есть: измените её вместо новой"
    return InvalidRow({"amo_field_id": RowProblem.DUPLICATE}, message)
