"""The one rule for numbers 1C writes as text: digit groups parted by spaces ("1 500,50", "31 000 001") and a
decimal comma; the sync API's fields and amoCRM custom field values are both read by it."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# \s holds the no-break (U+00A0), narrow no-break (U+202F), thin (U+2009) and figure (U+2007) spaces that 1C and
# spreadsheets put between digit groups; the apostrophe is the Swiss group separator.
_GROUP_SEPARATORS = re.compile(r"[\s']")
_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")
_PLAIN_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
MAX_MAGNITUDE = Decimal(10) ** 15  # sums and amoCRM numeric fields hold ordinary amounts; anything larger is a mistake


MAX_ID_DIGITS = 18  # a longer number fits no id column


def id_of(text: str) -> int | None:
    """`text` as an id (or a revision) when it is 1 to MAX_ID_DIGITS ASCII digits, else None; raises nothing
    ("²".isdigit() holds but int("²") raises)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS else None


class NotANumber(ValueError):
    """The text is not a number in a form the reading accepts."""


class OutOfRange(ValueError):
    """The text is a number, but not a finite one below 10^15 in magnitude."""


def read_integer(text: str) -> int:
    """The whole number written in `text` ("31 000 001", at most 19 digits, a sign allowed); raises NotANumber."""
    compact = _GROUP_SEPARATORS.sub("", text)
    if not _INTEGER.fullmatch(compact):
        raise NotANumber(text)
    return int(compact)


def read_decimal(text: str, *, scientific: bool = False) -> Decimal:
    """The number written in `text` ("1 500,50", "-3.5", ",5"); raises NotANumber, or OutOfRange from 10^15 on.

    `scientific` also takes whatever Python's Decimal reads besides plain digits — exponents ("1,5e3"), digit-group
    underscores, digits of other scripts: amoCRM custom field values have always been read so, the sync API's own
    fields have not.
    """
    compact = _GROUP_SEPARATORS.sub("", text).replace(",", ".")
    if not scientific and not _PLAIN_DECIMAL.fullmatch(compact):
        raise NotANumber(text)
    try:
        number = Decimal(compact)
    except InvalidOperation:
        raise NotANumber(text) from None
    try:
        in_range = number.is_finite() and abs(number) < MAX_MAGNITUDE
    except ArithmeticError:  # abs() overflows for an exponent like 1e1000000, which Decimal itself reads
        in_range = False
    if not in_range:
        raise OutOfRange(text)
    return number
