"""Fuzzing every sync endpoint: whatever 1C sends, amo1c answers the documented envelope, never a 500.

Bodies are drawn by hypothesis: objects with the endpoint's real keys and random-typed values, random keys,
non-objects, raw bytes (BOM, NaN, truncated JSON, deep nesting), declared charsets, with and without valid
Basic Auth. Valid-looking calls really reach the fake amoCRM behind the `world` fixture. The world is set up
once per test and shared by its examples (hence the suppressed function-scoped-fixture health check).
The only 5xx allowed is a 502 where amoCRM itself refused an id 1C sent (a deal's contact_id that does not exist).
"""

from __future__ import annotations

import base64
import codecs
import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from backend.api.openapi import OPENAPI_PATH, openapi_document
from tests.api.conftest import World
from tests.api.test_openapi import api_paths, assert_answer_documented
from tests.factories import ADMIN_AUTH, BASE_AUTH, BASE_LOGIN, basic

FUZZ = settings(
    max_examples=50,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the work tree; a failure prints its example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

TRICKY_STRINGS = (
    "",
    " ",
    "NaN",
    "-Infinity",
    "1e309",
    "1e1000000",  # Decimal overflows on abs(), not on reading
    "-0",
    "-1",
    "0",
    "1 500,50",
    "1\u00a0500,50",
    "1\u202f000",
    "1,2,3",
    "１２３",  # fullwidth digits: \d matches them
    "٣١٠٠",  # Arabic-Indic digits
    "9" * 40,
    "\ufeff31000001",
    "p_1",
    "p_99999999999999999999",
    "http://",
    "ftp://1c.example.test",
    "http://1c.example.test/trade",
    "javascript:alert(1)",
    "a\x00b",
    "'; DROP TABLE account; --",
    "<script>",
    "payment",
    "PART_SHIPMENT",
    "x" * 3000,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(TRICKY_STRINGS),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
ANY_KEY = st.one_of(st.text(max_size=12), st.from_regex(r"\Ap_\d{1,20}\Z"), st.sampled_from(["key", "id_base"]))
RAW_BODIES = st.one_of(
    st.binary(max_size=64),
    st.sampled_from(
        [
            b"",
            b"{",
            b"[]",
            b"null",
            b'"key"',
            b'{"key": NaN, "id_base": "trade"}',
            b'{"key": Infinity, "id_base": "trade"}',
            b'{"key": 1e999, "id_base": "trade"}',
            b'{"key": 31000001, "id_base": "trade", "budget": -1e999}',
            b'{"key": 31000001, "id_base": "trade", "name": 1e400, "handlers": {"a": [-1e400]}}',
            codecs.BOM_UTF8,
            codecs.BOM_UTF8 + codecs.BOM_UTF8 + b"{}",
            codecs.BOM_UTF16_LE + "{}".encode("utf-16-le"),
            b"[" * 5000,
            b'{"a":' * 3000,
            b'{"key": 31000001, "id_base": "trade", "key": "x"}',
            '{"key": 31000001, "id_base": "торговля"}'.encode("cp1251"),
        ]
    ),
)
CONTENT_TYPES = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=windows-1251",
        'application/json; charset="UTF-16"',
        "application/json; charset=punycode",  # fails with a bare UnicodeError
        "application/json; charset=idna",
        "application/json; charset=bogus",
        "application/json; charset=",
        "text/plain",
        "multipart/form-data; boundary=x",
    ]
)
AUTHS = st.sampled_from(
    [
        {},
        BASE_AUTH,
        ADMIN_AUTH,
        basic(BASE_LOGIN, "wrong"),
        basic("", ""),
        {"Authorization": "Basic !!!"},
        {"Authorization": "Bearer token"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Basic " + base64.b64encode("Обмен1С:x".encode("cp1251")).decode()},
    ]
)

# The endpoint's own keys: a body is built from some of them (with good or junk values) plus random extras.
POST_KEYS: dict[str, tuple[str, ...]] = {
    "/sync/base": ("web_address", "url_address", "param1", "param2"),
    "/sync/clients_contacts": ("id", "id_1c", "link", "name", "responsible_user_id", "email", "phone", "p_*"),
    "/sync/clients_companies": ("id", "id_1c", "link", "name", "inn", "responsible_user_id", "p_*"),
    "/sync/leads": (
        "id",
        "id_1c",
        "link",
        "company_id",
        "contact_id",
        "budget",
        "order_number",
        "responsible_user_id",
        "p_*",
    ),
    "/sync/process_event": ("event_name", "id", "id_1c", "sum", "debt_sum", "document_name"),
    "/sync/clients_contacts_save_fields": (),  # keys: the account's real field ids, added by bodies()
    "/sync/clients_companies_save_fields": (),
    "/sync/leads_save_fields": (),
    "/update_handlers/get_actual_version": (),
    "/update_handlers/get_actual_handlers": (),
    "/update_handlers/set_handlers": ("handlers",),
}
GOOD_VALUES: dict[str, tuple[Any, ...]] = {
    "id_base": ("trade", "fuzz", " trade "),
    "web_address": ("http://1c.example.test/trade/hs/amo1c",),
    "url_address": ("https://1c.example.test/trade",),
    "param1": (BASE_LOGIN,),
    "param2": ("пароль-базы-1С",),
    "id": (1, "1000001"),
    "contact_id": ("1000001",),
    "company_id": (1000001,),
    "responsible_user_id": (1,),
    "id_1c": ("c-1", "order-1", 77),
    "name": ("Анна Смирнова", "ООО «Ромашка»"),
    "phone": ("+7 912 345-67-89", "8 (912) 345 67 89; +7 900 000 00 01"),
    "email": ("anna@example.ru", "A@B.RU, c@d.ru"),
    "inn": ("7701234567",),
    "budget": ("1 500,50", 1500.5),
    "sum": ("1\u00a0500,50",),
    "debt_sum": ("0",),
    "order_number": ("00077",),
    "event_name": ("payment", "part_shipment", "CANCEL_ORDER"),
    "document_name": ("Оплата №5",),
    "link": ("http://1c.example.test/trade#ref=1",),
    "handlers": ({"module": "Процедура Обмен() КонецПроцедуры"}, [1, 2]),
}


ABSENT = object()  # drawn for a field that the body leaves out


def weighted(*options: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each as often as its weight (st.one_of would treat repeats as one)."""
    choices = [strategy for weight, strategy in options for _ in range(weight)]
    return st.integers(0, len(choices) - 1).flatmap(lambda index: choices[index])


def value_for(name: str, plausible: tuple[Any, ...], required: bool) -> st.SearchStrategy[Any]:
    """Mostly a plausible value for the field (so calls get past validation and reach amoCRM), often junk."""
    junk = JSON_VALUES
    if not plausible:
        return st.one_of(junk, st.just(ABSENT))
    good = st.sampled_from(plausible)
    if required:
        return weighted((12, good), (1, junk), (1, st.just(ABSENT)))
    return weighted((6, good), (1, junk), (3, st.just(ABSENT)))


def bodies(path: str, world: World) -> st.SearchStrategy[Any]:
    """Request bodies for a POST endpoint: its real keys, random keys, or not an object at all."""
    key, admin_id = world.account.id, world.fake_account.admin_id
    plausible = {
        **GOOD_VALUES,
        "key": (key, str(key), f" {key:,} ".replace(",", "\u00a0")),
        "responsible_user_id": (admin_id, str(admin_id)),
    }
    names = ["key", "id_base", *POST_KEYS[path]]
    if path.endswith("_save_fields"):
        # ids of the account's real fields in each form, so rows get stored (ANY_KEY tries unknown ids)
        entity = path.removeprefix("/sync/").removeprefix("clients_").removesuffix("_save_fields")
        first, second, third = (item.id for item in world.fake_account.custom_fields[entity][:3])
        names += [f"p_{first}", str(second), "ИНН"]
        plausible.update({f"p_{first}": ("Телефон",), str(second): ("КПП",), "ИНН": (f"p_{third}", third)})
    if "p_*" in names:
        # a real text field of the fake account, so a p_ value is written (ANY_KEY tries unknown p_ ids)
        entity = path.removeprefix("/sync/").removeprefix("clients_")
        text_field = next(item for item in world.fake_account.custom_fields[entity] if item.type == "text")
        names[names.index("p_*")] = f"p_{text_field.id}"
        plausible[f"p_{text_field.id}"] = ("значение", "", None)
        for numeric in (item for item in world.fake_account.custom_fields[entity] if item.type == "numeric"):
            names.append(f"p_{numeric.id}")  # junk values include numbers Decimal cannot take the abs() of
            plausible[f"p_{numeric.id}"] = ("1 250,5", 7)
    fields = {
        name: value_for(name, plausible.get(name, ()), required=name in ("key", "id_base") or path == "/sync/base")
        for name in names
    }
    with_real_keys = st.fixed_dictionaries(fields).flatmap(
        lambda drawn: st.dictionaries(ANY_KEY, JSON_VALUES, max_size=2).map(
            lambda extra: {**extra, **{name: value for name, value in drawn.items() if value is not ABSENT}}
        )
    )
    return weighted(
        (8, with_real_keys),
        (1, st.dictionaries(ANY_KEY, JSON_VALUES, max_size=6)),
        (1, JSON_VALUES.filter(lambda value: not isinstance(value, dict))),
    )


def right_auth(path: str) -> st.SearchStrategy[dict[str, str]]:
    """Mostly the credentials the endpoint wants, sometimes any of AUTHS."""
    return weighted((4, st.just(ADMIN_AUTH if path.endswith("set_handlers") else BASE_AUTH)), (1, AUTHS))


def encoded(body: Any, how: str) -> bytes:
    """The bytes 1C might put on the wire for `body`."""
    text = json.dumps(body, ensure_ascii=how == "ascii")
    if how == "bom":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if how == "cp1251":
        return text.encode("cp1251", errors="replace")
    return text.encode("utf-8")


def amocrm_rejected(response: httpx.Response) -> bool:
    """A 502 because amoCRM (the fake, as the real one would) refused an id or field 1C sent: a documented answer."""
    return response.status_code == 502 and response.json()["error"].startswith("amoCRM ответила ошибкой")


def assert_envelope(document: dict[str, Any] | None, method: str, path: str, response: httpx.Response) -> None:
    """No 5xx but amoCRM's refusal; always the JSON envelope; success exactly when 200; as the document declares."""
    event(f"status {response.status_code}")  # shown by --hypothesis-show-statistics
    assert response.status_code < 500 or amocrm_rejected(response), f"{method} {path} → {response.text[:500]}"
    assert response.headers["content-type"].startswith("application/json")
    envelope = response.json()
    assert isinstance(envelope, dict) and set(envelope) == {"success", "data", "error"}
    assert envelope["success"] is (response.status_code == 200)
    if not envelope["success"]:
        assert envelope["data"] is None and isinstance(envelope["error"], str) and envelope["error"]
    if document is not None:
        assert_answer_documented(document, method, path, response)


@pytest.mark.parametrize("path", sorted(POST_KEYS))
@FUZZ
@given(data=st.data())
async def test_fuzz_post_endpoint_answers_the_envelope(world: World, path: str, data: st.DataObject) -> None:
    body = data.draw(bodies(path, world), label="body")
    how = data.draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "ascii", "bom", "cp1251"]), label="encoding")
    content_type = data.draw(weighted((3, st.just("application/json")), (1, CONTENT_TYPES)), label="content-type")
    if how == "cp1251":
        content_type = "application/json; charset=windows-1251"
    headers = {**data.draw(right_auth(path), label="auth")}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = await world.client.post(path, content=encoded(body, how), headers=headers)
    assert_envelope(openapi_document(), "POST", path, response)


@FUZZ
@given(data=st.data())
async def test_fuzz_raw_bytes_to_any_endpoint(world: World, data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(sorted(POST_KEYS)), label="path")
    raw = data.draw(RAW_BODIES, label="raw")
    raw = raw.replace(b"31000001", str(world.account.id).encode())
    headers = {**data.draw(AUTHS, label="auth")}
    content_type = data.draw(CONTENT_TYPES, label="content-type")
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = await world.client.post(path, content=raw, headers=headers)
    assert_envelope(openapi_document(), "POST", path, response)


@FUZZ
@given(data=st.data())
async def test_fuzz_check_active_query(world: World, data: st.DataObject) -> None:
    good = (str(world.account.id), f"{world.account.id:,}".replace(",", " "))
    key = data.draw(
        weighted(
            (3, st.sampled_from(good)), (1, st.none()), (1, st.text(max_size=25)), (1, st.sampled_from(TRICKY_STRINGS))
        ),
        label="key",
    )
    extra = data.draw(st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=5), max_size=2), label="extra")
    query = "&".join(f"{quote(name)}={quote(value)}" for name, value in extra.items())
    if key is not None:
        query = f"key={quote(key)}&{query}"
    if data.draw(st.booleans(), label="raw percent bytes"):
        query += "&key=%FF%FE%00"
    response = await world.client.get(f"/sync/check_active?{query}", headers=data.draw(AUTHS, label="auth"))
    assert_envelope(openapi_document(), "GET", "/sync/check_active", response)


@FUZZ
@given(data=st.data())
async def test_fuzz_unknown_paths_and_methods_answer_the_envelope(world: World, data: st.DataObject) -> None:
    known = api_paths()
    known[OPENAPI_PATH] = {"get"}
    prefix = data.draw(st.sampled_from(["/sync/", "/update_handlers/"]), label="prefix")
    path = data.draw(
        st.one_of(
            st.sampled_from(sorted(known)),
            st.text(max_size=20).filter(lambda s: s.strip(".")).map(lambda segment: prefix + quote(segment)),
        ),
        label="path",
    )
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    method = data.draw(st.sampled_from([m for m in methods if m.lower() not in known.get(path, set())]), label="method")
    response = await world.client.request(method, path, content=b"{}", headers=BASE_AUTH)
    assert response.status_code in (404, 405), response.text
    assert_envelope(None, method, path, response)
