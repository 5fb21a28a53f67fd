"""Sync API 2.1 (check_active) and 2.2 (/sync/base) through HTTP: linking, re-linking, credentials, validation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.crypto import SecretBox
from backend.models import Account, BaseRequest, OneCBase, SyncLogEntry
from backend.settings import Settings
from tests.api.conftest import World
from tests.factories import ADMIN_AUTH, BASE_AUTH, BASE_LOGIN, BASE_PASSWORD, base_body, basic

NONE_MODE = pytest.mark.parametrize("settings", [{"sync_auth": "none"}], indirect=True)


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The shared test settings, with the overrides a test passes by indirect parametrization."""
    return settings.with_overrides(**getattr(request, "param", {}))


def assert_failure(response: Any, status: int, *mentions: str) -> str:
    """The answer is the envelope with `status`, its error naming every one of `mentions`."""
    assert response.status_code == status, response.text
    envelope = response.json()
    assert envelope["success"] is False and envelope["data"] is None
    for mention in mentions:
        assert mention in envelope["error"]
    return str(envelope["error"])


async def stored(world: World, id_base: str = "trade") -> OneCBase:
    return await OneCBase.get(account_id=world.account.id, id_base=id_base)


async def test_check_active_true_for_an_installed_account(world: World) -> None:
    for key in (str(world.account.id), f" {world.account.id} "):
        response = await world.client.get("/sync/check_active", params={"key": key})
        assert response.status_code == 200
        assert response.json() == {"success": True, "data": True, "error": None}


async def test_check_active_unknown_account_is_404(world: World) -> None:
    assert_failure(await world.client.get("/sync/check_active", params={"key": "12345"}), 404, "12345")


@pytest.mark.parametrize("query", [{}, {"key": ""}, {"key": "abc"}, {"key": "1.5"}, {"key": "-3"}])
async def test_check_active_missing_or_non_numeric_key_is_400(world: World, query: dict[str, str]) -> None:
    assert_failure(await world.client.get("/sync/check_active", params=query), 400, '"key"')


async def test_check_active_deactivated_account_answers_false(world: World) -> None:
    await Account.filter(id=world.account.id).update(active=False)
    response = await world.client.get("/sync/check_active", params={"key": world.account.id})
    assert response.json() == {"success": True, "data": False, "error": None}


async def test_check_active_needs_no_credentials(world: World) -> None:
    response = await world.client.get(
        "/sync/check_active", params={"key": world.account.id}, headers=basic("кто-то", "не тот")
    )
    assert response.status_code == 200


async def test_first_link_of_a_new_base_answers_as_the_spec_and_awaits_approval(world: World) -> None:
    body = base_body(world.account.id, "склад", web_address="https://1c.example.test/sklad/hs/amo1c")
    response = await world.post("/sync/base", body, headers={})
    assert response.json() == {"success": True, "data": None, "error": None}
    assert not await OneCBase.filter(id_base="склад").exists()
    request = await BaseRequest.get(account_id=world.account.id, id_base="склад")
    assert request.web_address == "https://1c.example.test/sklad/hs/amo1c"
    assert request.url_address == body["url_address"] and request.param1 == BASE_LOGIN and request.base_id is None


async def test_relink_with_current_credentials_takes_a_new_password_at_once(world: World) -> None:
    response = await world.post("/sync/base", base_body(world.account.id, param2="новый-пароль"), headers=BASE_AUTH)
    assert response.status_code == 200, response.text
    base = await stored(world)
    assert SecretBox(world.settings.secret_key).decrypt(base.param2_enc) == "новый-пароль"
    assert not base.awaiting_change
    ok = {"key": world.account.id, "id_base": "trade"}
    old = await world.post("/update_handlers/get_actual_version", ok, headers=BASE_AUTH)
    assert_failure(old, 401)
    new = await world.post("/update_handlers/get_actual_version", ok, headers=basic(BASE_LOGIN, "новый-пароль"))
    assert new.status_code == 200


async def test_relink_to_a_new_address_returns_the_base_to_awaiting_approval(world: World) -> None:
    body = base_body(
        world.account.id,
        web_address="https://new.example.test/trade/hs/amo1c",
        url_address="https://new.example.test/trade",
        param2="новый-пароль",
    )
    response = await world.post("/sync/base", body, headers=BASE_AUTH)
    assert response.json() == {"success": True, "data": None, "error": None}
    base = await stored(world)
    assert base.awaiting_change and base.web_address == base_body(world.account.id)["web_address"]
    request = await BaseRequest.get(account_id=world.account.id, id_base="trade")
    assert request.base_id == base.id and request.web_address == body["web_address"]
    ok = {"key": world.account.id, "id_base": "trade"}
    for headers in (BASE_AUTH, basic(BASE_LOGIN, "новый-пароль")):
        assert_failure(await world.post("/update_handlers/get_actual_version", ok, headers=headers), 403, "подтвержд")
    assert_failure(await world.post("/update_handlers/get_actual_version", ok, headers=basic("x", "y")), 401)


async def test_relink_restating_the_approved_address_withdraws_a_pending_change(world: World) -> None:
    moved = base_body(world.account.id, web_address="https://new.example.test/trade/hs/amo1c")
    assert (await world.post("/sync/base", moved, headers=BASE_AUTH)).status_code == 200
    assert (await world.post("/sync/base", base_body(world.account.id), headers=BASE_AUTH)).status_code == 200
    assert not (await stored(world)).awaiting_change
    assert not await BaseRequest.filter(account_id=world.account.id).exists()
    ok = {"key": world.account.id, "id_base": "trade"}
    assert (await world.post("/update_handlers/get_actual_version", ok)).status_code == 200


@pytest.mark.parametrize("headers", [{}, basic(BASE_LOGIN, "wrong"), basic("другой", BASE_PASSWORD)])
async def test_relink_without_or_with_wrong_credentials_is_401_and_changes_nothing(
    world: World, headers: dict[str, str]
) -> None:
    before = await stored(world)
    body = base_body(world.account.id, web_address="https://evil.example.test/hs", param2="перехват")
    response = await world.post("/sync/base", body, headers=headers)
    assert_failure(response, 401, "trade")
    assert "Basic" in response.headers["www-authenticate"]
    after = await stored(world)
    assert (after.web_address, after.param1, after.param2_enc) == (before.web_address, before.param1, before.param2_enc)


@NONE_MODE
async def test_sync_auth_none_needs_approval_for_any_change_and_no_credentials_for_calls(world: World) -> None:
    body = base_body(world.account.id, web_address="https://other.example.test/hs", param2="другой")
    response = await world.post("/sync/base", body, headers={})
    assert response.status_code == 200, response.text
    assert (await stored(world)).awaiting_change, "without credentials a change cannot be trusted"
    await BaseRequest.filter(account_id=world.account.id).delete()
    await OneCBase.filter(account_id=world.account.id).update(awaiting_change=False)
    ok = {"key": world.account.id, "id_base": "trade"}
    for path, body in [
        ("/update_handlers/get_actual_version", ok),
        ("/update_handlers/get_actual_handlers", ok),
        (
            "/sync/clients_contacts_save_fields",
            {**ok, f"p_{world.fake_account.custom_fields['contacts'][0].id}": "ИНН"},
        ),
        ("/sync/clients_companies", {**ok, "id_1c": "org", "name": "ООО Ромашка", "inn": "7701234567"}),
    ]:
        answer = await world.post(path, body, headers={})
        assert answer.status_code == 200, (path, answer.text)
        wrong = await world.post(path, body, headers=basic("любой", "пароль"))
        assert wrong.status_code == 200, "credentials are not checked at all in this mode"


@pytest.mark.parametrize("field", ["key", "id_base", "web_address", "url_address", "param1", "param2"])
@pytest.mark.parametrize("missing", ["absent", None, ""])
async def test_link_missing_required_field_is_400_naming_it(world: World, field: str, missing: Any) -> None:
    body = base_body(world.account.id, "новая")
    if missing == "absent":
        del body[field]
    else:
        body[field] = missing
    assert_failure(await world.post("/sync/base", body, headers={}), 400, f'"{field}"')
    assert not await OneCBase.filter(id_base="новая").exists()


# Addresses no call into 1C could use; the settings page refuses the same ones (tests/ui/test_settings_bases.py).
BAD_ADDRESSES = [
    "ftp://1c.example.test/x",
    "1c.example.test/trade",
    "http://",
    "javascript:x",
    "http://[bad",  # a malformed IPv6 literal (once a 500)
    "http://[::1]:bad/",
    "http://1c.example.test:99999/trade",
    "http://1c.example.test:0/trade",
    "http://Обмен1С:пароль@1c.example.test/trade",  # credentials go in param1/param2
    "http://1c.example test/trade",
    "http://1c.example.test/tr\u00a0ade",
    "http://1c.example.test/" + "x" * 2000,
]


@pytest.mark.parametrize("field", ["web_address", "url_address"])
@pytest.mark.parametrize("address", BAD_ADDRESSES)
async def test_link_bad_address_is_400_naming_the_field(world: World, field: str, address: str) -> None:
    body = base_body(world.account.id, "новая", **{field: address})
    assert_failure(await world.post("/sync/base", body, headers=ADMIN_AUTH), 400, f'"{field}"')
    assert not await OneCBase.filter(id_base="новая").exists()
    assert not await BaseRequest.filter(id_base="новая").exists()


@pytest.mark.parametrize(("field", "length"), [("id_base", 101), ("param1", 256)])
async def test_link_overlong_field_is_400_not_500(world: World, field: str, length: int) -> None:
    body = {**base_body(world.account.id, "новая"), field: "я" * length}
    assert_failure(await world.post("/sync/base", body, headers={}), 400, f'"{field}"')


async def test_link_unknown_account_is_404(world: World) -> None:
    assert_failure(await world.post("/sync/base", base_body(424242), headers={}), 404, "424242")
    assert not await OneCBase.filter(account_id=424242).exists()


async def test_link_to_a_deactivated_account_is_403(world: World) -> None:
    await Account.filter(id=world.account.id).update(active=False)
    assert_failure(await world.post("/sync/base", base_body(world.account.id, "новая"), headers={}), 403)


async def test_password_is_stored_encrypted_and_never_logged(world: World) -> None:
    secret = "очень-секретный-пароль-42"
    await world.post("/sync/base", base_body(world.account.id, "склад", param2=secret), headers={})
    await world.post("/sync/base", base_body(world.account.id, "склад", param2=secret), headers={})
    await world.post("/sync/base", base_body(world.account.id, param2=secret), headers=basic(BASE_LOGIN, "нет"))
    request = await BaseRequest.get(account_id=world.account.id, id_base="склад")
    assert secret not in request.param2_enc and request.param2_enc != secret
    assert SecretBox(world.settings.secret_key).decrypt(request.param2_enc) == secret
    await world.stored_log()
    entries = await SyncLogEntry.filter(operation="base").all()
    assert len(entries) >= 3
    for entry in entries:
        logged = json.dumps(entry.request_summary, ensure_ascii=False) + (entry.error or "")
        assert secret not in logged and BASE_PASSWORD not in logged
        assert entry.request_summary is not None
        assert entry.request_summary.get("param2", "***") == "***"
