"""Body declarations: what a handler reads and what the OpenAPI document says of a request come from one place and
agree — on the Python type of each kind, on required fields, on the longest text."""

from __future__ import annotations

import dataclasses
import typing
from decimal import Decimal
from typing import Any

import pytest

from backend.api.body import BaseRequest, Body, Field, Kind, body_fields, read_body
from backend.api.entities import ContactRequest, LeadRequest
from backend.api.inputs import Payload
from backend.api.openapi import COMPANY_OR_ORDER, OPERATIONS, openapi_document
from backend.sync.errors import InvalidInput
from backend.sync.records import EventName
from tests.api.test_openapi import schema_at

TYPES: dict[Kind, Any] = {
    Kind.ID: int,
    Kind.TEXT: str,
    Kind.LINK: str,
    Kind.SUM: Decimal,
    Kind.ADDRESS: str,
    Kind.PASSWORD: str,
    Kind.EVENT: EventName,
    Kind.JSON: Any,
}
SAMPLES: dict[Kind, Any] = {
    Kind.ID: "31 000 001",
    Kind.TEXT: "Анна",
    Kind.LINK: "http://1c.example.test/doc",
    Kind.SUM: "1 500,50",
    Kind.ADDRESS: "http://1c.example.test/trade",
    Kind.PASSWORD: " пароль ",
    Kind.EVENT: "PAYMENT",
    Kind.JSON: {"a": [1]},
}
DECLARED = list(
    dict.fromkeys([*(item.request for item in OPERATIONS if not isinstance(item.request, str)), *COMPANY_OR_ORDER])
)


def full_body(body: type[Body]) -> dict[str, Any]:
    """A body giving every declared field a sample of its kind."""
    return {"key": 31000001, "id_base": "trade", **{field.name: SAMPLES[field.kind] for field in body_fields(body)}}


def declared_fields(*kinds: Kind, required: bool = False) -> list[Any]:
    """(body, field) of each declared field of these kinds (any kind when none given), optionally only required ones."""
    return [
        pytest.param(body, field, id=f"{body.__name__}.{field.name}")
        for body in DECLARED
        for field in body_fields(body)
        if (not kinds or field.kind in kinds) and (field.required or not required)
    ]


@pytest.mark.parametrize("body", DECLARED, ids=lambda body: body.__name__)
def test_each_declared_field_is_typed_as_its_kind_is_read(body: type[Body]) -> None:
    hints = typing.get_type_hints(body)
    for item in dataclasses.fields(body):
        field = next(field for field in body_fields(body) if field.name == item.name)
        expected = TYPES[field.kind]
        if not field.required and expected is not Any:
            expected = expected | None
        assert hints[item.name] == expected, f"{body.__name__}.{item.name}"


@pytest.mark.parametrize("body", DECLARED, ids=lambda body: body.__name__)
def test_a_body_with_every_field_is_read_and_matches_its_schema(body: type[Body]) -> None:
    sent = full_body(body)
    read = read_body(body, Payload(sent))
    assert {field.name for field in body_fields(body)} == {item.name for item in dataclasses.fields(read)}
    assert schema_at(openapi_document(), "components", "schemas", body.__name__).is_valid(sent)


@pytest.mark.parametrize(("body", "field"), declared_fields(Kind.TEXT, Kind.LINK))
def test_the_longest_text_is_the_same_for_reading_and_the_schema(body: type[Body], field: Field) -> None:
    schema = schema_at(openapi_document(), "components", "schemas", body.__name__)
    prefix = "http://" if field.kind == Kind.LINK else ""
    longest = {**full_body(body), field.name: prefix + "a" * (field.max_length - len(prefix))}
    read_body(body, Payload(longest))
    assert schema.is_valid(longest)
    too_long = {**longest, field.name: longest[field.name] + "a"}
    with pytest.raises(InvalidInput) as refused:
        read_body(body, Payload(too_long))
    assert refused.value.field == field.name
    assert not schema.is_valid(too_long)


@pytest.mark.parametrize(("body", "field"), declared_fields(required=True))
def test_a_required_field_is_required_by_reading_and_by_the_schema(body: type[Body], field: Field) -> None:
    schema = schema_at(openapi_document(), "components", "schemas", body.__name__)
    missing = {name: value for name, value in full_body(body).items() if name != field.name}
    with pytest.raises(InvalidInput, match="не заполнено обязательное поле") as refused:
        read_body(body, Payload(missing))
    assert refused.value.field == field.name
    assert not schema.is_valid(missing)


def test_fields_are_read_in_declaration_order_and_the_first_bad_one_is_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        read_body(ContactRequest, Payload({"phone": ["x"], "id_1c": "x" * 101, "link": "javascript:alert(1)"}))
    assert refused.value.field == "id_1c"
    assert [field.name for field in body_fields(LeadRequest)][:3] == ["id", "id_1c", "link"]


def test_a_field_not_given_is_none_and_extra_keys_are_left_to_the_handler() -> None:
    read = read_body(LeadRequest, Payload({"id": "", "budget": None, "p_12": "x", "Склад": "Основной"}))
    assert read == LeadRequest(None, None, None, None, None, None, None, None)
    assert read_body(BaseRequest, Payload({"anything": 1})) == BaseRequest()
