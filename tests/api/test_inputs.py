"""How the sync API reads 1C's requests: BOM, charsets, numbers as strings, size limit, envelope for every error."""

from __future__ import annotations

import codecs
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from backend.api.inputs import MAX_BODY_BYTES
from backend.models import FieldMapping, HandlerPackage, MappingKind
from tests.api.conftest import World
from tests.factories import ADMIN_AUTH, BASE_AUTH


def assert_envelope_failure(response: httpx.Response, status: int, *mentions: str) -> None:
    """An error answer: the real status, JSON, exactly the envelope's keys, an error message naming `mentions`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    envelope = response.json()
    assert set(envelope) == {"success", "data", "error"}
    assert envelope["success"] is False and envelope["data"] is None and envelope["error"]
    for mention in mentions:
        assert mention in envelope["error"]


def ok(world: World, **fields: Any) -> dict[str, Any]:
    return {"key": world.account.id, "id_base": "trade", **fields}


async def post_raw(world: World, path: str, raw: bytes, content_type: str = "application/json") -> httpx.Response:
    return await world.client.post(path, content=raw, headers={**BASE_AUTH, "Content-Type": content_type})


def a_field(world: World, entity: str) -> str:
    """The `p_<id>` key of a text field the fake account has for `entity`."""
    return f"p_{next(item.id for item in world.fake_account.custom_fields[entity] if item.type == 'text')}"


async def test_utf8_bom_body_is_accepted(world: World) -> None:
    raw = codecs.BOM_UTF8 + json.dumps(ok(world, **{a_field(world, "contacts"): "ИНН"}), ensure_ascii=False).encode()
    response = await post_raw(world, "/sync/clients_contacts_save_fields", raw)
    assert response.status_code == 200, response.text
    assert (await FieldMapping.get(kind=MappingKind.CONTACT)).onec_field == "ИНН"


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        ("application/json; charset=utf-8", "utf-8"),
        ('application/json; charset="UTF-8"', "utf-8"),
        ("application/json; charset=windows-1251", "cp1251"),
        ("application/json;charset=cp1251", "cp1251"),
    ],
)
async def test_declared_charset_is_honoured(world: World, content_type: str, encoding: str) -> None:
    raw = json.dumps(ok(world, **{a_field(world, "leads"): "Адрес доставки"}), ensure_ascii=False).encode(encoding)
    response = await post_raw(world, "/sync/leads_save_fields", raw, content_type)
    assert response.status_code == 200, response.text
    assert (await FieldMapping.get(kind=MappingKind.LEAD)).onec_field == "Адрес доставки"


async def test_cp1251_bytes_declared_as_utf8_are_400(world: World) -> None:
    raw = json.dumps(ok(world, p_1="Адрес"), ensure_ascii=False).encode("cp1251")
    assert_envelope_failure(await post_raw(world, "/sync/leads_save_fields", raw), 400, "utf-8")


@pytest.mark.parametrize("key", ["{id}", " {id} ", "{spaced}", "{nbsp}"])
async def test_ids_as_strings_are_accepted(world: World, key: str) -> None:
    account_id = world.account.id
    text = key.format(
        id=account_id,
        spaced=f"{account_id:,}".replace(",", " "),
        nbsp=f"{account_id:,}".replace(",", "\u00a0"),
    )
    response = await world.post("/update_handlers/get_actual_version", {"key": text, "id_base": "trade"})
    assert response.status_code == 200, response.text


async def test_integral_float_key_is_accepted(world: World) -> None:
    body = {"key": float(world.account.id), "id_base": "trade"}
    response = await world.post("/update_handlers/get_actual_version", body)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("budget", ["1\u00a0500,50", "1 500,50", "1\u202f500.50", "1500,5", 1500.5])
async def test_budget_written_the_1c_way_is_read(world: World, budget: Any) -> None:
    response = await world.post("/sync/leads", ok(world, id_1c="order-1", budget=budget))
    assert response.status_code == 200, response.text
    assert world.fake_account.leads[response.json()["data"]].price == 1501


@pytest.mark.parametrize("raw", [b"[]", b'["key"]', b'"text"', b"5", b"null", b"true"])
async def test_non_object_json_is_400(world: World, raw: bytes) -> None:
    assert_envelope_failure(await post_raw(world, "/sync/clients_contacts", raw), 400, "JSON-объектом")


@pytest.mark.parametrize(
    "raw", [b"", b"   ", b"{", b"{'key': 1}", b'{"key": NaN}', b'{"key": Infinity}', b"\xff\xfe{}", b"[" * 100_000]
)
async def test_invalid_json_is_400(world: World, raw: bytes) -> None:
    assert_envelope_failure(await post_raw(world, "/sync/clients_contacts", raw), 400)


async def test_body_over_the_limit_with_content_length_is_413(world: World) -> None:
    raw = b'{"key": 1, "x": "' + b"a" * MAX_BODY_BYTES + b'"}'
    response = await post_raw(world, "/sync/clients_contacts", raw)
    assert_envelope_failure(response, 413, str(MAX_BODY_BYTES))


async def test_body_over_the_limit_streamed_without_content_length_is_413(world: World) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"key": 1, "x": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            sent.append(1)
            yield b"a" * 65536
        yield b'"}'

    request = world.client.build_request("POST", "/sync/clients_contacts", content=chunks(), headers=BASE_AUTH)
    assert "content-length" not in request.headers and request.headers["transfer-encoding"] == "chunked"
    assert_envelope_failure(await world.client.send(request), 413)


async def test_body_just_under_the_limit_is_read(world: World) -> None:
    padding = MAX_BODY_BYTES - 200
    raw = json.dumps(ok(world, x="a" * padding)).encode()
    assert len(raw) <= MAX_BODY_BYTES
    response = await post_raw(world, "/update_handlers/get_actual_version", raw)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/sync/nope", "/sync/", "/update_handlers/nope", "/sync/base/extra"])
async def test_unknown_path_is_404_in_the_envelope(world: World, path: str) -> None:
    assert_envelope_failure(await world.client.post(path, json=ok(world), headers=BASE_AUTH), 404, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sync/clients_contacts"),
        ("GET", "/sync/base"),
        ("PUT", "/update_handlers/set_handlers"),
        ("POST", "/sync/check_active"),
        ("DELETE", "/sync/leads_save_fields"),
    ],
)
async def test_wrong_method_is_405_in_the_envelope(world: World, method: str, path: str) -> None:
    response = await world.client.request(method, path, headers=BASE_AUTH)
    assert_envelope_failure(response, 405, method)


async def test_unknown_account_is_404(world: World) -> None:
    response = await world.post("/sync/clients_contacts", {"key": 777, "id_base": "trade", "phone": "+79120000000"})
    assert_envelope_failure(response, 404, "777")


async def test_unlinked_base_is_401_like_wrong_credentials(world: World) -> None:
    body = {"key": world.account.id, "id_base": "чужая", "phone": "+79120000000"}
    assert_envelope_failure(await world.post("/sync/clients_contacts", body), 401, "чужая")
    assert world.api_calls() == 0


@pytest.mark.parametrize(
    ("field", "value"), [("key", "abc"), ("key", -1), ("key", 2**64), ("key", True), ("key", 1.5), ("id_base", [])]
)
async def test_malformed_key_or_base_is_400_naming_it(world: World, field: str, value: Any) -> None:
    body = {**ok(world), field: value}
    assert_envelope_failure(await world.post("/update_handlers/get_actual_version", body), 400, f'"{field}"')


async def test_p_key_with_a_superscript_digit_is_an_ignored_extra_key_not_a_500(world: World) -> None:
    response = await world.post("/sync/leads", ok(world, id_1c="order-1", **{"p_²": "x"}))
    assert response.status_code == 200
    written = world.fake_account.leads[response.json()["data"]].custom_fields
    assert list(written.values()) == [[{"value": "order-1"}]], "only the field keeping 1C's id"


@pytest.mark.parametrize("number", ["1e99999", "1e1000000", "-9e99999999999999999"])
async def test_huge_number_for_a_numeric_field_is_400(world: World, number: str) -> None:
    # 1e1000000 made Decimal's abs() overflow: once a 500
    debt = next(item.id for item in world.fake_account.custom_fields["leads"] if item.type == "numeric")
    response = await world.post("/sync/leads", ok(world, id_1c="order-1", **{f"p_{debt}": number}))
    assert_envelope_failure(response, 400, f'"p_{debt}"')
    assert world.fake_account.leads == {}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'"name": 1e400', "name"),
        (b'"name": "x", "p_FIELD": -1e400', "p_FIELD"),
        (b'"name": "x", "extra": {"deep": [1, 2e308]}', "extra"),
    ],
)
async def test_a_number_json_reads_as_infinity_is_400_naming_the_field(world: World, raw: bytes, field: str) -> None:
    # it once became a contact named "inf", and a sync log entry PostgreSQL refused to store
    text_field = next(item.id for item in world.fake_account.custom_fields["contacts"] if item.type == "text")
    body = b'{"key": %d, "id_base": "trade", "id_1c": "c-1", %s}' % (world.account.id, raw)
    response = await post_raw(world, "/sync/clients_contacts", body.replace(b"FIELD", str(text_field).encode()))
    assert_envelope_failure(response, 400, f'"{field.replace("FIELD", str(text_field))}"', "диапазона")
    assert world.fake_account.contacts == {}


async def test_a_handlers_package_with_infinity_is_400_not_stored_to_be_served_as_invalid_json(world: World) -> None:
    raw = b'{"key": %d, "id_base": "trade", "handlers": {"a": 1e400}}' % world.account.id
    response = await world.client.post("/update_handlers/set_handlers", content=raw, headers=ADMIN_AUTH)
    assert_envelope_failure(response, 400, '"handlers"')
    assert not await HandlerPackage.exists()


async def test_a_codec_failing_without_a_position_is_400_naming_the_body(world: World) -> None:
    # punycode raises a bare UnicodeError, which once escaped as a 500
    raw = json.dumps(ok(world), ensure_ascii=False).encode()
    response = await post_raw(world, "/update_handlers/get_actual_version", raw, "application/json; charset=punycode")
    assert_envelope_failure(response, 400, "punycode")


async def test_a_content_length_of_non_ascii_digits_is_not_a_500(world: World) -> None:
    # "²".isdigit() holds and int("²") raises; a proxy may pass such a header through
    raw = json.dumps(ok(world)).encode()
    headers = [(b"Authorization", BASE_AUTH["Authorization"].encode()), (b"Content-Length", b"\xb2")]
    response = await world.client.post("/update_handlers/get_actual_version", content=raw, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"version": 0}


async def test_deeply_nested_bodies_never_answer_500(world: World) -> None:
    statuses = set()
    for depth in range(850, 1000, 3):
        raw = b'{"key": %d, "id_base": "trade", "handlers": %s1%s}' % (world.account.id, b"[" * depth, b"]" * depth)
        response = await world.client.post("/update_handlers/set_handlers", content=raw, headers=ADMIN_AUTH)
        statuses.add(response.status_code)
    assert 500 not in statuses, statuses


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id_1c": "a\x00b"}, "id_1c"),
        ({"link": "http://1c/\x00"}, "link"),
        ({"extra": {"deep": ["x\x00"]}}, "extra"),
        ({"x\x00y": "z"}, "x\\u0000y"),
    ],
)
async def test_a_nul_character_anywhere_is_400_naming_the_field(world: World, body: dict[str, Any], field: str) -> None:
    # PostgreSQL stores no NUL in text or JSON: refusing it up front keeps both databases answering alike.
    response = await world.post("/sync/clients_contacts", ok(world, name="Анна", **body))
    assert_envelope_failure(response, 400, f'"{field}"', "NUL")
    assert world.api_calls() == 0
