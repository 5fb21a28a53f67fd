"""FakeOneC answers like a 1C publication to requests before its handler runs: auth, paths, methods."""

from __future__ import annotations

import base64

import httpx

from tests.fakes.onec_helpers import LOGIN, PASSWORD, PATH, answer_json, make_fake, onec_client, payload

REALM = 'Basic realm="1C:Enterprise 8.3"'


async def test_onec_missing_auth_is_401_with_1c_realm() -> None:
    fake = make_fake()
    async with onec_client(fake, auth=None) as client:
        response = await client.post(PATH, json=payload("get_handlers_version"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == REALM
    assert response.text == "401 Unauthorized"
    assert fake.requests[-1].auth_ok is False
    assert fake.requests[-1].status == 401


async def test_onec_wrong_password_is_401() -> None:
    fake = make_fake()
    async with onec_client(fake, auth=(LOGIN, PASSWORD + "x")) as client:
        response = await client.post(PATH, json=payload("get_handlers_version"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == REALM
    assert fake.requests[-1].login == LOGIN


async def test_onec_wrong_login_is_401() -> None:
    async with onec_client(make_fake(), auth=("Administrator", PASSWORD)) as client:
        response = await client.post(PATH, json=payload("get_handlers_version"))
    assert response.status_code == 401


async def test_onec_cyrillic_login_utf8_is_accepted() -> None:
    fake = make_fake()
    header = "Basic " + base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode("ascii")
    async with onec_client(fake, auth=None) as client:
        response = await client.post(PATH, json=payload("get_handlers_version"), headers={"Authorization": header})
    assert response.status_code == 200
    assert answer_json(response) == {"version": "1.4.2"}
    assert fake.requests[-1].auth_ok is True
    assert fake.requests[-1].login == "Администратор"


async def test_onec_malformed_basic_header_is_401() -> None:
    async with onec_client(make_fake(), auth=None) as client:
        bad_base64 = await client.post(PATH, json={}, headers={"Authorization": "Basic ***"})
        bearer = await client.post(PATH, json={}, headers={"Authorization": "Bearer abc"})
    assert bad_base64.status_code == 401
    assert bearer.status_code == 401


async def test_onec_other_path_is_404_text() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        response = await client.post("/base/hs/amo1c/other", json=payload("get_handlers_version"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "/base/hs/amo1c/other" in response.text
    assert fake.requests[-1].status == 404


async def test_onec_get_on_handler_is_405() -> None:
    async with onec_client(make_fake()) as client:
        response = await client.get(PATH)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_onec_custom_path_serves_handler_there() -> None:
    fake = make_fake(path="/Торговля/hs/amo/handler")
    async with onec_client(fake) as client:
        moved = await client.post("/Торговля/hs/amo/handler", json=payload("get_handlers_version"))
        old = await client.post(PATH, json=payload("get_handlers_version"))
    assert moved.status_code == 200
    assert old.status_code == 404


async def test_onec_request_body_with_bom_is_accepted() -> None:
    body = b"\xef\xbb\xbf" + httpx.Request("POST", "/", json=payload("get_handlers_version")).content
    async with onec_client(make_fake()) as client:
        response = await client.post(PATH, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert answer_json(response) == {"version": "1.4.2"}
