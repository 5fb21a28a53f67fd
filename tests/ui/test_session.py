from __future__ import annotations

import httpx
import pytest

from backend.fakes.amocrm import FakeAmoCRM
from backend.models import Account
from backend.settings import Settings
from tests.factories import install_account, widget_jwt

ORIGIN = "https://shop.amocrm.ru"


@pytest.fixture
async def account(fake_amocrm: FakeAmoCRM, settings: Settings) -> Account:
    return await install_account(fake_amocrm, settings)


async def exchange(client: httpx.AsyncClient, token: str, origin: str = ORIGIN) -> httpx.Response:
    return await client.post("/ui/session", headers={"X-Auth-Token": token, "Origin": origin})


async def test_a_valid_widget_token_gives_a_ui_token_that_opens_a_card(
    amo_client: httpx.AsyncClient, account: Account, settings: Settings
) -> None:
    response = await exchange(amo_client, widget_jwt(settings, account.id))
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ORIGIN
    body = response.json()
    assert set(body) == {"token", "expires_in"} and body["expires_in"] == 15 * 60
    card = await amo_client.get("/ui/cards/leads/123", params={"token": body["token"]})
    assert card.status_code == 200
    assert "frame-ancestors" in card.headers["content-security-policy"]
    assert card.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("variant", "reason"),
    [
        ({"key": "not-the-client-secret-0123456789"}, "invalid"),
        ({"aud": "https://other-backend.example.com"}, "aud"),
        ({"issued_ago": 4000, "lifetime": 1800}, "expired"),
        ({"not_before_in": 600}, "not yet valid"),
    ],
)
async def test_widget_tokens_that_are_wrong_are_refused(
    amo_client: httpx.AsyncClient, account: Account, settings: Settings, variant: dict[str, object], reason: str
) -> None:
    response = await exchange(amo_client, widget_jwt(settings, account.id, **variant))  # type: ignore[arg-type]
    assert response.status_code == 401
    assert reason in response.json()["error"]
    assert "token" not in response.json()


async def test_a_replayed_widget_token_is_refused(
    amo_client: httpx.AsyncClient, account: Account, settings: Settings
) -> None:
    token = widget_jwt(settings, account.id, jti="same-jti")
    assert (await exchange(amo_client, token)).status_code == 200
    replay = await exchange(amo_client, token)
    assert replay.status_code == 401 and "already used" in replay.json()["error"]


async def test_a_widget_token_of_an_uninstalled_or_disconnected_account_is_refused(
    amo_client: httpx.AsyncClient, account: Account, settings: Settings
) -> None:
    unknown = await exchange(amo_client, widget_jwt(settings, 99_999_999))
    assert unknown.status_code == 403
    await Account.filter(id=account.id).update(active=False)
    disconnected = await exchange(amo_client, widget_jwt(settings, account.id))
    assert disconnected.status_code == 403


async def test_missing_widget_token_is_401(amo_client: httpx.AsyncClient) -> None:
    response = await amo_client.post("/ui/session", headers={"Origin": ORIGIN})
    assert response.status_code == 401


@pytest.mark.parametrize("origin", ["https://shop.amocrm.ru", "https://team.kommo.com", "https://x-1.amocrm.com"])
async def test_cors_preflight_from_an_amocrm_origin_is_allowed(amo_client: httpx.AsyncClient, origin: str) -> None:
    response = await amo_client.options(
        "/ui/session",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-auth-token",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == origin
    assert "X-Auth-Token" in response.headers["access-control-allow-headers"]
    assert "POST" in response.headers["access-control-allow-methods"]


@pytest.mark.parametrize(
    "origin", ["https://evil.example.com", "http://shop.amocrm.ru", "https://amocrm.ru.evil.com", "null"]
)
async def test_cors_from_any_other_origin_is_refused(
    amo_client: httpx.AsyncClient, account: Account, settings: Settings, origin: str
) -> None:
    preflight = await amo_client.options("/ui/session", headers={"Origin": origin})
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers
    post = await exchange(amo_client, widget_jwt(settings, account.id), origin=origin)
    assert post.status_code == 403 and "token" not in post.json()


async def test_configured_extra_origin_is_allowed(fake_amocrm: FakeAmoCRM, settings: Settings) -> None:
    from backend.app import create_app

    app = create_app(settings.with_overrides(widget_origins=("https://crm.example.org",)))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        response = await client.options("/ui/session", headers={"Origin": "https://crm.example.org"})
    assert response.status_code == 204


@pytest.mark.parametrize("jti", ["x" * 129, "a\x00b"])
async def test_a_malformed_jti_is_refused(
    amo_client: httpx.AsyncClient, account: Account, settings: Settings, jti: str
) -> None:
    response = await exchange(amo_client, widget_jwt(settings, account.id, jti=jti))
    assert response.status_code == 401


@pytest.mark.parametrize(
    "claims",
    [
        {"is_admin": "false"},
        {"is_admin": "true"},
        {"is_admin": 1},
        {"is_admin": None},
        {"account_id": "31000001"},
        {"user_id": "7001"},
        {"user_id": 7001.0},
        {"user_id": True},
        {"user_id": -5},
    ],
)
async def test_claims_of_the_wrong_type_are_refused_not_read_loosely(
    amo_client: httpx.AsyncClient, account: Account, settings: Settings, claims: dict[str, object]
) -> None:
    if claims.get("account_id") == "31000001":
        claims = {"account_id": str(account.id)}
    response = await exchange(amo_client, widget_jwt(settings, account.id, claims=claims))
    assert response.status_code == 401, response.text
    assert "token" not in response.json()


async def test_is_admin_false_as_a_string_never_opens_the_settings(
    amo_client: httpx.AsyncClient, account: Account, settings: Settings
) -> None:
    answered = await exchange(amo_client, widget_jwt(settings, account.id, claims={"is_admin": "false"}))
    assert answered.status_code == 401
    manager = await exchange(amo_client, widget_jwt(settings, account.id, is_admin=False))
    settings_page = await amo_client.get("/ui/settings", params={"token": manager.json()["token"]})
    assert settings_page.status_code == 403
