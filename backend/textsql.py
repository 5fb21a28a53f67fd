"""Two SQL functions over text columns that Tortoise lacks, on SQLite and PostgreSQL alike: a column's first
characters and its size in UTF-8 bytes. Pages use them to show a bounded piece of a value of any size."""

from __future__ import annotations

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
