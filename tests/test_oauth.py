from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import httpx

from backend.fakes.amocrm import FakeAmoCRM
from backend.models import Account, OneCBase
from backend.settings import Settings
from tests.factories import install_account, link_base


async def install_via_callback(client: httpx.AsyncClient, code: str, **params: str) -> httpx.Response:
    query = {"code": code, "referer": "shop.amocrm.ru", "from_widget": "1", **params}
    return await client.get("/oauth/callback", params=query)


async def test_install_stores_the_account_with_encrypted_tokens(
    amo_client: httpx.AsyncClient, fake_amocrm: FakeAmoCRM
) -> None:
    fake_account = fake_amocrm.add_account(subdomain="shop", name="Магазин")
    response = await install_via_callback(amo_client, fake_amocrm.issue_code(fake_account.id))
    assert response.status_code == 200, response.text
    assert "Магазин" in response.text
    account = await Account.get(id=fake_account.id)
    assert (account.subdomain, account.base_domain, account.active) == ("shop", "amocrm.ru", True)
    assert account.access_token_enc and account.refresh_token_enc and account.token_expires_at
    stored = f"{account.access_token_enc}{account.refresh_token_enc}"
    issued = [grant for grant in fake_amocrm.world.tokens.by_access.values() if grant.account_id == fake_account.id]
    assert issued, "the fake issued a token pair"
    assert all(grant.access_token not in stored and grant.refresh_token not in stored for grant in issued)


async def test_reinstall_updates_the_same_account(amo_client: httpx.AsyncClient, fake_amocrm: FakeAmoCRM) -> None:
    fake_account = fake_amocrm.add_account(subdomain="shop", name="Магазин")
    await install_via_callback(amo_client, fake_amocrm.issue_code(fake_account.id))
    first = await Account.get(id=fake_account.id)
    await Account.filter(id=first.id).update(active=False)
    again = await install_via_callback(amo_client, fake_amocrm.issue_code(fake_account.id))
    assert again.status_code == 200
    second = await Account.get(id=fake_account.id)
    assert await Account.all().count() == 1
    assert second.active and second.access_token_enc != first.access_token_enc


async def test_bad_code_shows_a_clear_page_and_stores_nothing(amo_client: httpx.AsyncClient) -> None:
    response = await install_via_callback(amo_client, "not-a-code")
    assert response.status_code == 400
    assert "amoCRM не приняла код установки" in response.text
    assert await Account.all().count() == 0


async def test_amocrm_down_shows_a_clear_page_and_stores_nothing(
    amo_client: httpx.AsyncClient, fake_amocrm: FakeAmoCRM
) -> None:
    fake_account = fake_amocrm.add_account(subdomain="shop")
    fake_amocrm.fail_next(5, status=503, path_prefix="/oauth2")
    response = await install_via_callback(amo_client, fake_amocrm.issue_code(fake_account.id))
    assert response.status_code == 502
    assert "amoCRM сейчас недоступна: установите интеграцию через несколько минут." in response.text
    sentence, details = response.text.split("<details", 1)
    assert "503" not in sentence and "Подробнее" in details  # amoCRM's own answer is one click away
    assert await Account.all().count() == 0


async def test_account_call_failing_after_the_exchange_stores_nothing(
    amo_client: httpx.AsyncClient, fake_amocrm: FakeAmoCRM
) -> None:
    fake_account = fake_amocrm.add_account(subdomain="shop")
    fake_amocrm.fail_next(5, status=403, path_prefix="/api/v4/account")
    response = await install_via_callback(amo_client, fake_amocrm.issue_code(fake_account.id))
    assert response.status_code == 502
    assert await Account.all().count() == 0


async def test_referer_outside_amocrm_is_refused_before_any_call(
    amo_client: httpx.AsyncClient, fake_amocrm: FakeAmoCRM
) -> None:
    response = await install_via_callback(amo_client, "code", referer="evil.example.com")
    assert response.status_code == 400
    assert fake_amocrm.requests == []


async def test_button_flow_checks_the_state_bound_to_the_browser(
    amo_client: httpx.AsyncClient, fake_amocrm: FakeAmoCRM
) -> None:
    start = await amo_client.get("/oauth/install")
    assert start.status_code == 302
    location = urlsplit(start.headers["location"])
    assert location.netloc == "www.amocrm.ru"
    state = parse_qs(location.query)["state"][0]
    fake_account = fake_amocrm.add_account(subdomain="shop")
    forged = await amo_client.get(
        "/oauth/callback",
        params={"code": fake_amocrm.issue_code(fake_account.id), "referer": "shop.amocrm.ru", "state": "forged"},
    )
    assert forged.status_code == 400 and await Account.all().count() == 0
    good = await amo_client.get(
        "/oauth/callback",
        params={"code": fake_amocrm.issue_code(fake_account.id), "referer": "shop.amocrm.ru", "state": state},
    )
    assert good.status_code == 200, good.text
    assert await Account.filter(id=fake_account.id).exists()


def disconnect_params(settings: Settings, account_id: int, secret: str | None = None) -> dict[str, str]:
    assert settings.amocrm_client_id and settings.amocrm_client_secret
    key = (secret or settings.amocrm_client_secret).encode()
    signature = hmac.new(key, f"{settings.amocrm_client_id}|{account_id}".encode(), hashlib.sha256).hexdigest()
    return {"account_id": str(account_id), "client_uuid": settings.amocrm_client_id, "signature": signature}


async def test_disconnect_with_a_good_signature_deactivates_and_keeps_settings(
    amo_client: httpx.AsyncClient, fake_amocrm: FakeAmoCRM, settings: Settings
) -> None:
    account = await install_account(fake_amocrm, settings)
    await link_base(amo_client, account.id)
    response = await amo_client.get("/oauth/disconnect", params=disconnect_params(settings, account.id))
    assert response.status_code == 200
    after = await Account.get(id=account.id)
    assert not after.active
    assert after.access_token_enc is None and after.refresh_token_enc is None
    assert await OneCBase.filter(account_id=account.id).count() == 1
    check = await amo_client.get("/sync/check_active", params={"key": account.id})
    assert check.json()["data"] is False


async def test_disconnect_with_a_forged_signature_changes_nothing(
    amo_client: httpx.AsyncClient, fake_amocrm: FakeAmoCRM, settings: Settings
) -> None:
    account = await install_account(fake_amocrm, settings)
    forged = disconnect_params(settings, account.id, secret="guessed-secret")
    wrong_uuid = {**disconnect_params(settings, account.id), "client_uuid": "someone-else"}
    for params in (forged, wrong_uuid, {"account_id": str(account.id)}):
        response = await amo_client.get("/oauth/disconnect", params=params)
        assert response.status_code == 403
    after = await Account.get(id=account.id)
    assert after.active and after.access_token_enc is not None
