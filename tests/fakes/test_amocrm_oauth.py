"""FakeAmoCRM OAuth: code and refresh grants, single-use rules, token expiry and 401s on API calls."""

from __future__ import annotations

import httpx
import jwt

from backend.fakes.amocrm import FakeAmoCRM
from tests.fakes.amocrm_helpers import (
    CLIENT_ID,
    FakeClock,
    bearer,
    code_grant,
    make_fake,
    open_session,
    refresh_grant,
)

OAUTH_PROBLEM = "https://developers.amocrm.ru/v3/errors/OAuthProblemJson"


def client_for(fake: FakeAmoCRM) -> httpx.AsyncClient:
    """Return an in-process client for a fake."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="http://fake")


async def test_amocrm_code_grant_then_api_call_works() -> None:
    clock = FakeClock()
    fake = make_fake(clock)
    account = fake.add_account(subdomain="shop", name="Магазин")
    async with client_for(fake) as client:
        response = await client.post("/oauth2/access_token", json=code_grant(fake.issue_code(account.id)))
        assert response.status_code == 200
        tokens = response.json()
        assert set(tokens) == {"token_type", "expires_in", "server_time", "access_token", "refresh_token"}
        assert tokens["token_type"] == "Bearer"
        assert tokens["expires_in"] == 86400
        assert tokens["server_time"] == int(clock.wall)
        me = await client.get("/api/v4/account", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.headers["content-type"] == "application/hal+json"
    body = me.json()
    assert (body["id"], body["subdomain"], body["country"], body["currency"]) == (account.id, "shop", "RU", "RUB")
    assert body["current_user_id"] == account.admin_id
    assert account.code_grants == 1


async def test_amocrm_access_token_carries_account_id_claim() -> None:
    async with open_session() as s:
        claims = jwt.decode(s.tokens["access_token"], options={"verify_signature": False})
    assert claims["account_id"] == s.account.id
    assert claims["aud"] == CLIENT_ID
    assert claims["exp"] - claims["iat"] == 86400


async def test_amocrm_code_is_single_use() -> None:
    fake = make_fake(FakeClock())
    account = fake.add_account()
    code = fake.issue_code(account.id)
    async with client_for(fake) as client:
        first = await client.post("/oauth2/access_token", json=code_grant(code))
        second = await client.post("/oauth2/access_token", json=code_grant(code))
    assert first.status_code == 200
    assert second.status_code == 400
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["hint"] == "Authorization code has been revoked"
    assert second.json()["type"] == OAUTH_PROBLEM


async def test_amocrm_code_expires_after_twenty_minutes() -> None:
    clock = FakeClock()
    fake = make_fake(clock)
    account = fake.add_account()
    fresh = fake.issue_code(account.id)
    stale = fake.issue_code(account.id)
    async with client_for(fake) as client:
        clock.advance(19 * 60)
        assert (await client.post("/oauth2/access_token", json=code_grant(fresh))).status_code == 200
        clock.advance(60)
        late = await client.post("/oauth2/access_token", json=code_grant(stale))
    assert late.status_code == 400
    assert late.json()["hint"] == "Authorization code has expired"


async def test_amocrm_wrong_client_secret_or_redirect_is_refused() -> None:
    fake = make_fake(FakeClock())
    account = fake.add_account()
    code = fake.issue_code(account.id)
    async with client_for(fake) as client:
        bad_secret = await client.post("/oauth2/access_token", json=code_grant(code, client_secret="nope"))
        bad_redirect = await client.post("/oauth2/access_token", json=code_grant(code, redirect_uri="https://x"))
        unknown_code = await client.post("/oauth2/access_token", json=code_grant("garbage"))
        still_good = await client.post("/oauth2/access_token", json=code_grant(code))
    assert bad_secret.status_code == 401
    assert bad_secret.json()["type"] == OAUTH_PROBLEM
    assert bad_redirect.status_code == 400
    assert unknown_code.status_code == 400
    assert bad_redirect.headers["content-type"] == "application/problem+json"
    assert still_good.status_code == 200, "refused attempts must not spend the code"


async def test_amocrm_refresh_gives_new_pair_and_revokes_old_refresh_token() -> None:
    async with open_session() as s:
        old = s.tokens
        renewed = await s.client.post("/oauth2/access_token", json=refresh_grant(old["refresh_token"]))
        assert renewed.status_code == 200
        new = renewed.json()
        assert new["access_token"] != old["access_token"]
        assert new["refresh_token"] != old["refresh_token"]
        reused = await s.client.post("/oauth2/access_token", json=refresh_grant(old["refresh_token"]))
        old_access = await s.client.get("/api/v4/account", headers=bearer(old))
        new_access = await s.client.get("/api/v4/account", headers=bearer(new))
    assert reused.status_code == 401
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json() == {
        "hint": "Token has been revoked",
        "title": "Некорректный запрос",
        "type": OAUTH_PROBLEM,
        "status": 401,
        "detail": "В запросе отсутствует ряд параметров или параметры невалидны",
    }
    assert old_access.status_code == 401, "a refresh voids the old access token"
    assert new_access.status_code == 200
    assert s.account.refresh_grants == 1
    assert s.account.refresh_attempts == 2


async def test_amocrm_expire_tokens_makes_api_answer_401_until_refresh() -> None:
    async with open_session() as s:
        assert (await s.get("/api/v4/account")).status_code == 200
        assert s.fake.expire_tokens(s.account.id) == 1
        expired = await s.get("/api/v4/contacts")
        renewed = await s.client.post("/oauth2/access_token", json=refresh_grant(s.tokens["refresh_token"]))
        after = await s.client.get("/api/v4/account", headers=bearer(renewed.json()))
    assert expired.status_code == 401
    assert expired.headers["content-type"] == "application/problem+json"
    assert expired.json()["status"] == 401
    assert after.status_code == 200


async def test_amocrm_access_token_expires_when_wall_clock_passes_ttl() -> None:
    async with open_session(access_token_ttl=3600) as s:
        s.clock.advance(3599)
        assert (await s.get("/api/v4/account")).status_code == 200
        s.clock.advance(1)
        assert (await s.get("/api/v4/account")).status_code == 401


async def test_amocrm_unknown_or_missing_token_is_401() -> None:
    async with open_session() as s:
        unknown = await s.client.get("/api/v4/account", headers={"Authorization": "Bearer forged"})
        missing = await s.client.get("/api/v4/account")
    assert unknown.status_code == missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"


async def test_amocrm_oauth_rejects_unsupported_grant_and_non_json() -> None:
    async with open_session() as s:
        grant = await s.client.post("/oauth2/access_token", json=code_grant("x", grant_type="password"))
        garbage = await s.client.post("/oauth2/access_token", content=b"not json")
    assert grant.status_code == garbage.status_code == 400
    assert grant.json()["type"] == OAUTH_PROBLEM
