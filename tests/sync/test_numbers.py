"""The one rule for numbers 1C writes as text, in its plain form (the sync API's fields) and its scientific form
(amoCRM custom field values)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.sync.numbers import NotANumber, OutOfRange, read_decimal, read_integer


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1 500,50", Decimal("1500.50")),
        ("1\u00a0500,50", Decimal("1500.50")),
        ("1\u202f000", Decimal(1000)),
        ("1\u2009000\u20070", Decimal(10000)),
        ("1'000.5", Decimal("1000.5")),
        ("-3.5", Decimal("-3.5")),
        (",5", Decimal("0.5")),
        ("5.", Decimal(5)),
        ("+0", Decimal(0)),
        ("999999999999999,99", Decimal("999999999999999.99")),
    ],
)
def test_read_decimal_takes_1c_s_ways_of_writing_a_sum(text: str, number: Decimal) -> None:
    assert read_decimal(text) == number
    assert read_decimal(text, scientific=True) == number


@pytest.mark.parametrize("text", ["", "1,2,3", "1e3", "1_000", "١٢٣", "NaN", "Infinity", "12 руб.", "--1", "."])
def test_read_decimal_refuses_anything_else_in_plain_form(text: str) -> None:
    with pytest.raises(NotANumber):
        read_decimal(text)


@pytest.mark.parametrize(("text", "number"), [("1,5e3", Decimal(1500)), ("1_000", Decimal(1000)), ("١٢٣", 123)])
def test_read_decimal_in_scientific_form_also_takes_what_decimal_reads(text: str, number: Decimal) -> None:
    assert read_decimal(text, scientific=True) == number


@pytest.mark.parametrize("text", ["1 000 000 000 000 000", "-1000000000000000", "1e15", "1e1000000", "NaN", "-Inf"])
def test_read_decimal_refuses_numbers_from_10_to_the_15th_and_non_finite_ones(text: str) -> None:
    with pytest.raises(OutOfRange):
        read_decimal(text, scientific=True)


def outcome(text: str, *, scientific: bool) -> Decimal | str:
    """The number read, or the name of the error refusing it."""
    try:
        return read_decimal(text, scientific=scientific)
    except ValueError as refused:
        return type(refused).__name__


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet="0123456789 ,.+-e'_\u00a0", max_size=20))
def test_read_decimal_in_scientific_form_reads_every_plain_number_alike(text: str) -> None:
    plain = outcome(text, scientific=False)
    if plain != "NotANumber":
        assert outcome(text, scientific=True) == plain


@pytest.mark.parametrize(
    ("text", "number"), [("31 000 001", 31000001), ("-5", -5), ("+7", 7), ("9" * 19, int("9" * 19))]
)
def test_read_integer_takes_digit_groups(text: str, number: int) -> None:
    assert read_integer(text) == number


@pytest.mark.parametrize("text", ["", "1,5", "1.0", "9" * 20, "１２３", "1e3", "x"])
def test_read_integer_refuses_anything_but_up_to_19_digits(text: str) -> None:
    with pytest.raises(NotANumber):
        read_integer(text)
