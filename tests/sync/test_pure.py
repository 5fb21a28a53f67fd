"""The pure rules of sync/, without a database or a server: rows from 1C's bodies, note texts, fingerprints,
phones, INNs, prices and deal names."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.models import EventName
from backend.sync.companies import inn_digits
from backend.sync.errors import InvalidInput
from backend.sync.events import EventInput, event_fingerprint, money, note_text
from backend.sync.leads import deal_name, price_of
from backend.sync.links import fingerprint
from backend.sync.mapping import MappingRow, rows_from_payload
from backend.sync.phones import phone_digits, same_phones, split_values


def event(**fields: object) -> EventInput:
    values: dict[str, object] = {
        "event_name": EventName.PART_PAYMENT,
        "amo_id": None,
        "id_1c": "order-1",
        "sum": Decimal("1500.5"),
        "debt_sum": None,
        "document_name": None,
        "raw": {},
    }
    values.update(fields)
    return EventInput(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "rows"),
    [
        ({"p_123": "ИНН"}, [MappingRow(123, "ИНН")]),
        ({"123": " ИНН "}, [MappingRow(123, "ИНН")]),
        ({"ИНН": 123}, [MappingRow(123, "ИНН")]),
        ({"ИНН": "p_123"}, [MappingRow(123, "ИНН")]),
        ({"p_5": {"field": "Телефон", "name": "Тел.", "enabled": False}}, [MappingRow(5, "Телефон", "Тел.", False)]),
    ],
)
def test_rows_from_payload_reads_every_form_1c_uses(body: dict[str, object], rows: list[MappingRow]) -> None:
    assert rows_from_payload(body) == rows


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"p_1": "ИНН", "1": "Код"}, "1"),
        ({"ИНН": True}, "ИНН"),
        ({"ИНН": "нет"}, "ИНН"),
        ({"p_1": ""}, "p_1"),
        ({"p_1": "я" * 256}, "p_1"),
        ({"p_1": {"field": "ИНН", "enabled": "yes"}}, "p_1"),
    ],
)
def test_rows_from_payload_names_the_key_it_cannot_read(body: dict[str, object], key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        rows_from_payload(body)
    assert refused.value.field == key


def test_note_text_tells_event_sum_debt_and_document_the_russian_way() -> None:
    assert money(Decimal("1234567.5")) == "1\u00a0234\u00a0567,50"
    assert note_text(event(debt_sum=Decimal(0), document_name="ПКО № 31")) == (
        "1С: Частичная оплата, сумма 1\u00a0500,50, остаток долга 0,00. Документ: ПКО № 31."
    )
    assert note_text(event(event_name=EventName.CANCEL_ORDER, sum=None)) == "1С: Заказ аннулирован."


def test_event_fingerprint_is_equal_exactly_when_the_calls_mean_the_same() -> None:
    same = event(raw={"sum": "1 500,50", "note": " x "})
    assert event_fingerprint(same) == event_fingerprint(event(raw={"sum": 1500.5, "note": "x"}))
    assert event_fingerprint(event()) != event_fingerprint(event(debt_sum=Decimal(1)))
    assert event_fingerprint(event()) != event_fingerprint(event(raw={"extra": 1}))
    assert event_fingerprint(event(raw={"comment": "  "})) == event_fingerprint(event()), "empty = not sent"


def test_fingerprint_depends_on_every_part_and_their_order() -> None:
    assert fingerprint("a", 1) == fingerprint("a", 1)
    assert fingerprint("a", 1) != fingerprint(1, "a")
    assert fingerprint({"b": 1, "a": 2}) == fingerprint({"a": 2, "b": 1})
    assert len(fingerprint()) == 64


def test_phones_compare_by_their_last_ten_digits() -> None:
    assert phone_digits("+7 (912) 345-67-89") == phone_digits("8 912 345 67 89") == "9123456789"
    assert same_phones(["+7 912 345-67-89"], ["89123456789", "+7 000"])
    assert not same_phones(["1234"], ["1234"]), "four digits are no phone to match by"
    assert split_values("a@x.ru; b@x.ru , ,c@x.ru") == ("a@x.ru", "b@x.ru", "c@x.ru")
    assert split_values(None) == ()


def test_inn_price_and_deal_name() -> None:
    assert inn_digits(" 7701 234 567 ") == "7701234567" and inn_digits("нет") is None
    assert price_of(Decimal("1500.50")) == 1501 and price_of(Decimal("1500.49")) == 1500 and price_of(None) is None
    assert deal_name("00058", "g-1") == "Заказ 1С №00058"
    assert deal_name(None, "g-1") == "Заказ 1С g-1" and deal_name(None, None) == "Заказ 1С"
