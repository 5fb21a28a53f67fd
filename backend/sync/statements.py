"""Hand-written SQL for the sync API's per-call path, where building an ORM query costs more than running it.

A statement is one text for SQLite and PostgreSQL with numbered parameters ($1, $2…; SQLite reads them as ?1, ?2…),
sent unchanged every time, so the driver prepares it once per connection (asyncpg's and sqlite3's statement caches)
and no query is built per call. Rows become model instances the way Tortoise's own queries make them.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.fields import DatetimeField
from tortoise.models import Model

M = TypeVar("M", bound=Model)
_NUMBERED = re.compile(r"\$(\d+)")


class Statement:
    """One SQL text with numbered parameters, run on the default connection (or the transaction using it)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._sqlite = _NUMBERED.sub(r"?\1", text)

    async def rows(self, *params: Any) -> list[dict[str, Any]]:
        """The rows the statement answers, as dicts by column name; raises Tortoise's database errors.

        On SQLite, outside a transaction, the read runs at once in this thread when SQLite can answer it without
        waiting (backend/sqlite_reads.py), instead of going to aiosqlite's thread and back."""
        connection = get_connection("default")
        read_now = getattr(connection, "read_now", None)
        if read_now is not None and (found := read_now(self._sqlite, params)) is not None:
            rows: list[dict[str, Any]] = found
            return rows
        return await connection.execute_query_dict(self._for(connection), list(params))

    async def run_many(self, params: list[tuple[Any, ...]]) -> None:
        """Run the statement once per parameter tuple, all in one transaction; raises Tortoise's database errors."""
        connection = get_connection("default")
        await connection.execute_many(self._for(connection), [list(values) for values in params])

    def _for(self, connection: BaseDBAsyncClient) -> str:
        return self._sqlite if connection.capabilities.dialect == "sqlite" else self.text


def columns(model: type[Model], alias: str, prefix: str = "") -> str:
    """A select list of every column of `model` from the table aliased `alias`, each named `prefix` + column."""
    return ", ".join(f'{alias}."{column}" AS "{prefix}{column}"' for column in _column_names(model))


def instance(model: type[M], row: dict[str, Any], prefix: str = "") -> M:
    """The model instance a row selected with `columns(model, …, prefix)` holds, its values converted as Tortoise
    converts what it reads (SQLite's text dates, 0/1 booleans)."""
    values = {column: row[selected] for column, selected in _selected_as(model, prefix)}
    for column in _datetime_columns(model):
        if isinstance(text := values[column], str):  # SQLite: ISO text, which Python parses faster than Tortoise
            with contextlib.suppress(ValueError):
                values[column] = datetime.fromisoformat(text)
    return model._init_from_db(**values)


@cache
def _selected_as(model: type[Model], prefix: str) -> tuple[tuple[str, str], ...]:
    return tuple((column, prefix + column) for column in _column_names(model))


@cache
def _column_names(model: type[Model]) -> tuple[str, ...]:
    return tuple(model._meta.fields_db_projection.values())


@cache
def _datetime_columns(model: type[Model]) -> tuple[str, ...]:
    meta = model._meta
    return tuple(
        meta.fields_db_projection[name] for name, field in meta.fields_map.items() if isinstance(field, DatetimeField)
    )
