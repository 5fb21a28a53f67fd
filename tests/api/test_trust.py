"""The sync API as an attacker who knows an account id (it is not a secret) tries it: a base of their own, a linked
base's name, passwords guessed, the victim's sync log flooded, text that is not text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
from starlette.applications import Starlette

from backend.crypto import SecretBox
from backend.models import BaseRequest, OneCBase, RefusedCalls, SyncLogEntry
from backend.sync.approval import MAX_AWAITING, approve
from backend.sync.throttle import MAX_FAILURES
from tests.api.conftest import World
from tests.conftest import client_of
from tests.factories import ADMIN_AUTH, BASE_AUTH, BASE_LOGIN, base_body, basic

STRANGER = "203.0.113.66"
OWN_1C = "198.51.100.10"
STRANGER_AUTH = basic("чужой", "пароль-чужого")


def stranger_base(world: World, id_base: str = "чужая", **overrides: str) -> dict[str, object]:
    fields = {
        "web_address": "https://evil.example.test/hs/steal",
        "url_address": "https://evil.example.test",
        "param1": "чужой",
        "param2": "пароль-чужого",
    }
    return base_body(world.account.id, id_base, **{**fields, **overrides})


async def post_raw(world: World, path: str, body: dict[str, object]) -> httpx.Response:
    """A call whose JSON carries an unpaired surrogate as the escape 1C's JSON writer would put there."""
    content = json.dumps(body).encode("ascii")  # ensure_ascii writes a lone surrogate as \ud800
    return await world.client.post(path, content=content, headers={**BASE_AUTH, "Content-Type": "application/json"})


async def test_a_strangers_new_base_cannot_write_into_the_account(world: World) -> None:
    own = {"key": world.account.id, "id_base": "trade", "id_1c": "c-1", "name": "Анна Смирнова", "phone": "+79120001"}
    contact_id = (await world.post("/sync/clients_contacts", own)).json()["data"]
    assert (await world.post("/sync/base", stranger_base(world), headers={})).status_code == 200
    before = world.api_calls()
    attempts = [
        ("/sync/clients_contacts", {"id": contact_id, "name": "Переименован", "phone": "+7 900 000-00-01"}),
        ("/sync/leads", {"id_1c": "o-1", "budget": 1, "order_number": "1"}),
        ("/sync/process_event", {"event_name": "payment", "id_1c": "o-1", "sum": 1}),
        ("/sync/clients_contacts_save_fields", {"p_1": "ИНН"}),
        ("/update_handlers/get_actual_handlers", {}),
    ]
    for path, fields in attempts:
        body = {"key": world.account.id, "id_base": "чужая", **fields}
        response = await world.post(path, body, headers=STRANGER_AUTH)
        assert response.status_code == 403, (path, response.text)
        assert "ожидает подтверждения администратором" in response.json()["error"]
    assert world.api_calls() == before, "not one amoCRM request was made for the stranger"
    assert world.fake_account.entities("contacts")[contact_id].name == "Анна Смирнова"


async def test_a_stranger_cannot_take_over_a_linked_base_by_relinking_it(world: World) -> None:
    before = await OneCBase.get(account_id=world.account.id, id_base="trade")
    for headers in ({}, STRANGER_AUTH):
        response = await world.post("/sync/base", stranger_base(world, "trade"), headers=headers)
        assert response.status_code == 401
    after = await OneCBase.get(account_id=world.account.id, id_base="trade")
    assert (after.web_address, after.param1, after.awaiting_change) == (before.web_address, before.param1, False)
    assert not await BaseRequest.filter(account_id=world.account.id).exists()


async def test_the_operators_credentials_link_a_base_at_once(world: World) -> None:
    body = base_body(world.account.id, "склад")
    assert (await world.post("/sync/base", body, headers=ADMIN_AUTH)).status_code == 200
    base = await OneCBase.get(account_id=world.account.id, id_base="склад")
    assert not base.awaiting_change
    ok = {"key": world.account.id, "id_base": "склад"}
    assert (await world.post("/update_handlers/get_actual_version", ok)).status_code == 200
    moved = base_body(world.account.id, "склад", web_address="https://moved.example.test/hs", param1="новый")
    assert (await world.post("/sync/base", moved, headers=ADMIN_AUTH)).status_code == 200
    base = await OneCBase.get(account_id=world.account.id, id_base="склад")
    assert (base.web_address, base.param1, base.awaiting_change) == ("https://moved.example.test/hs", "новый", False)


async def test_an_approved_request_links_exactly_what_was_asked(world: World) -> None:
    assert (await world.post("/sync/base", stranger_base(world, "склад"), headers={})).status_code == 200
    request = await BaseRequest.get(account_id=world.account.id, id_base="склад")
    base = await approve(world.account.id, request.id, request.revision, SecretBox(world.settings.secret_key))
    assert (base.web_address, base.param1) == ("https://evil.example.test/hs/steal", "чужой")
    ok = {"key": world.account.id, "id_base": "склад"}
    assert (await world.post("/update_handlers/get_actual_version", ok, headers=STRANGER_AUTH)).status_code == 200
    assert not await BaseRequest.filter(account_id=world.account.id).exists()


async def test_a_request_asked_again_unchanged_keeps_its_revision_and_a_changed_one_bumps_it(world: World) -> None:
    for _ in range(2):
        assert (await world.post("/sync/base", stranger_base(world, "склад"), headers={})).status_code == 200
    request = await BaseRequest.get(account_id=world.account.id, id_base="склад")
    assert request.revision == 1
    replaced = stranger_base(world, "склад", web_address="https://other.example.test/hs")
    assert (await world.post("/sync/base", replaced, headers={})).status_code == 200
    await request.refresh_from_db()
    assert request.revision == 2 and request.web_address == "https://other.example.test/hs"


async def test_at_most_twenty_new_bases_await_and_old_requests_expire(world: World) -> None:
    for n in range(MAX_AWAITING):
        assert (await world.post("/sync/base", stranger_base(world, f"b{n}"), headers={})).status_code == 200
    refused = await world.post("/sync/base", stranger_base(world, "ещё одна"), headers={})
    assert refused.status_code == 403 and str(MAX_AWAITING) in refused.json()["error"]
    week_ago = datetime.now(UTC) - timedelta(days=7, minutes=1)
    await BaseRequest.filter(account_id=world.account.id, id_base="b0").update(requested_at=week_ago)
    assert (await world.post("/sync/base", stranger_base(world, "ещё одна"), headers={})).status_code == 200
    assert not await BaseRequest.filter(id_base="b0").exists()
    assert await BaseRequest.filter(account_id=world.account.id).count() == MAX_AWAITING


async def test_an_unknown_base_and_a_wrong_password_get_the_same_answer(world: World) -> None:
    ok = {"key": world.account.id}
    unknown = await world.post("/update_handlers/get_actual_version", {**ok, "id_base": "нет-такой"})
    wrong = await world.post(
        "/update_handlers/get_actual_version", {**ok, "id_base": "trade"}, headers=basic(BASE_LOGIN, "нет")
    )
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.headers["www-authenticate"] == wrong.headers["www-authenticate"]
    assert unknown.json()["error"].replace("нет-такой", "?") == wrong.json()["error"].replace("trade", "?")


async def test_guessing_is_throttled_for_the_guesser_but_not_for_the_bases_own_1c(
    world: World, amo_app: Starlette
) -> None:
    body = {"key": world.account.id, "id_base": "trade"}
    path = "/update_handlers/get_actual_version"
    async with client_of(amo_app, STRANGER) as stranger, client_of(amo_app, OWN_1C) as own:
        for n in range(MAX_FAILURES):
            guess = await stranger.post(path, json=body, headers=basic(BASE_LOGIN, f"guess-{n}"))
            assert guess.status_code == 401
        throttled = await stranger.post(path, json=body, headers=BASE_AUTH)  # even the right password
        assert throttled.status_code == 429, throttled.text
        assert 1 <= int(throttled.headers["retry-after"]) <= 60
        assert throttled.json()["success"] is False
        assert (await own.post(path, json=body, headers=BASE_AUTH)).status_code == 200
        other_base = {**body, "id_base": "склад"}
        assert (await stranger.post(path, json=other_base, headers=STRANGER_AUTH)).status_code == 401


async def test_refused_calls_are_one_counted_entry_an_hour_without_the_strangers_body(world: World) -> None:
    body = {"key": world.account.id, "id_base": "trade", "name": "тело чужого запроса", "phone": "+79120000000"}
    for _ in range(30):
        await world.post("/sync/clients_contacts", body, headers=STRANGER_AUTH)
    await world.stored_log()
    entries = await SyncLogEntry.filter(account_id=world.account.id, id_base="trade").all()
    refused = [entry for entry in entries if entry.http_status in (401, 429)]
    assert len(refused) == 1 and refused[0].count == 30
    assert "тело чужого запроса" not in json.dumps(refused[0].request_summary, ensure_ascii=False)
    assert await RefusedCalls.filter(account_id=world.account.id).count() == 1


async def test_an_unpaired_surrogate_is_a_400_naming_the_field_and_is_logged(world: World) -> None:
    body = {"key": world.account.id, "id_base": "trade", "id_1c": "c-1", "name": "\ud800 Анна", "phone": "+7912"}
    response = await post_raw(world, "/sync/clients_contacts", body)
    assert response.status_code == 400, response.text
    assert '"name"' in response.json()["error"]
    await world.stored_log()
    entry = await SyncLogEntry.filter(account_id=world.account.id, operation="clients_contacts").first()
    assert entry is not None and entry.http_status == 400 and entry.request_summary is not None
    assert entry.request_summary["name"] == "\ufffd Анна"


async def test_an_unpaired_surrogate_in_a_nested_value_or_a_key_is_a_400(world: World) -> None:
    key = world.account.id
    for body in (
        {"key": key, "id_base": "trade", "p_1": ["ok", {"x": "\udfff"}]},
        {"key": key, "id_base": "trade", "p_\ud800": "ИНН"},
        {"key": key, "id_base": "tr\ud800ade"},
    ):
        response = await post_raw(world, "/sync/clients_contacts_save_fields", body)
        assert response.status_code == 400, (body, response.text)
        assert "суррогат" in response.json()["error"]
