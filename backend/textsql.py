"""SQL functions Tortoise lacks, on SQLite and PostgreSQL alike: a text column's first characters and its size in
UTF-8 bytes (pages show a bounded piece of a value of any size), and the hour a datetime column falls in (the
overview counts calls per hour in the database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pypika_tortoise.context import SqlContext
from pypika_tortoise.enums import Dialects
from pypika_tortoise.terms import Function as SqlFunction
from tortoise.expressions import F, Function


class _Substr(SqlFunction):
    def __init__(self, term: Any, start: Any, length: Any, alias: str | None = None) -> None:
        super().__init__("SUBSTR", term, start, length, alias=alias)


class _OctetLength(SqlFunction):
    def __init__(self, term: Any, alias: str | None = None) -> None:
        super().__init__("OCTET_LENGTH", term, alias=alias)

    def get_function_sql(self, ctx: SqlContext) -> str:
        if ctx.dialect == Dialects.SQLITE:  # OCTET_LENGTH only since SQLite 3.43
            return f"LENGTH(CAST({self.get_arg_sql(self.args[0], ctx)} AS BLOB))"
        return super().get_function_sql(ctx)


class Head(Function):
    """The first `chars` characters of a text column (all of a shorter value, NULL for NULL)."""

    database_func = _Substr

    def __init__(self, field: str | F, chars: int) -> None:
        super().__init__(field, 1, chars)


class ByteSize(Function):
    """The size of a text column in bytes of UTF-8, computed by the database without sending the value."""

    database_func = _OctetLength


class _HourText(SqlFunction):
    def __init__(self, term: Any, alias: str | None = None) -> None:
        super().__init__("TO_CHAR", term, alias=alias)

    def get_function_sql(self, ctx: SqlContext) -> str:
        column = self.get_arg_sql(self.args[0], ctx)
        if ctx.dialect == Dialects.SQLITE:  # SQLite keeps ISO text with its offset; STRFTIME turns it to UTC
            return f"STRFTIME('%Y-%m-%d %H', {column})"
        return f"TO_CHAR({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


class HourOf(Function):
    """The UTC hour a datetime column falls in, as text `YYYY-MM-DD HH` (the same on SQLite and PostgreSQL), for
    grouping rows by the hour in the database; read it back with `hour_of_text`."""

    database_func = _HourText


def hour_of_text(text: str) -> datetime:
    """The UTC hour an `HourOf` value names; raises ValueError for any other text."""
    if len(text) != 13 or text[10] != " ":
        raise ValueError(f"not an hour of HourOf: {text!r}")
    return datetime.fromisoformat(f"{text}:00").replace(tzinfo=UTC)  # strptime is ten times slower
