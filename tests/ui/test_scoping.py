"""Every /ui/ route: a valid session is required, and a session of account A never sees account B's data."""

from __future__ import annotations

import httpx
import pytest

from backend.models import Account, EntityKind, EntityLink, OneCBase
from backend.settings import Settings
from backend.ui.tokens import UISession, UITokens

UI_PAGES = [
    "/ui/cards/leads/5001",
    "/ui/cards/contacts/5001",
    "/ui/cards/companies/5001",
    "/ui/cards/leads/5001/body",
    "/ui/cards/contacts/5001/body",
    "/ui/settings",
]
UI_ACTIONS = [
    ("GET", "/ui/cards/leads/5001/documents"),
    ("POST", "/ui/cards/leads/5001/order"),
    ("POST", "/ui/cards/contacts/5001/counterparty"),
    ("POST", "/ui/cards/companies/5001/counterparty"),
]


async def two_accounts() -> tuple[Account, Account]:
    a = await Account.create(id=1001, subdomain="alpha")
    b = await Account.create(id=2002, subdomain="beta")
    for account, id_base, secret in ((a, "alpha-base", "ALPHA-SECRET-LINK"), (b, "beta-base", "BETA-SECRET-LINK")):
        base = await OneCBase.create(
            account=account,
            id_base=id_base,
            web_address="http://1c/x",
            url_address="http://1c",
            param1="u",
            param2_enc="x",
        )
        for kind in EntityKind:
            await EntityLink.create(
                base=base, kind=kind, amo_id=5001, id_1c=f"{id_base}-1c", link=f"http://1c#{secret}"
            )
    return a, b


def token_for(settings: Settings, account_id: int, *, admin: bool = True) -> str:
    return UITokens(settings.secret_key).issue(UISession(account_id, 1, admin))


@pytest.mark.parametrize("path", UI_PAGES)
async def test_ui_pages_require_a_valid_session(client: httpx.AsyncClient, path: str) -> None:
    for params in ({}, {"token": "forged"}, {"token": ""}):
        response = await client.get(path, params=params)
        assert response.status_code == 401, (path, params)
        assert "amo1c-error" in response.text


@pytest.mark.parametrize("path", UI_PAGES)
async def test_a_session_of_account_a_never_shows_account_b(
    client: httpx.AsyncClient, settings: Settings, path: str
) -> None:
    alpha, beta = await two_accounts()
    response = await client.get(path, params={"token": token_for(settings, alpha.id)})
    assert response.status_code == 200
    assert "BETA-SECRET-LINK" not in response.text and "beta-base" not in response.text
    assert "ALPHA-SECRET-LINK" in response.text or "alpha-base" in response.text
    other = await client.get(path, headers={"X-UI-Token": token_for(settings, beta.id)})
    assert "ALPHA-SECRET-LINK" not in other.text and "alpha-base" not in other.text


async def test_settings_refuse_non_admins(client: httpx.AsyncClient, settings: Settings) -> None:
    alpha, _ = await two_accounts()
    response = await client.get("/ui/settings", params={"token": token_for(settings, alpha.id, admin=False)})
    assert response.status_code == 403
    assert "администраторам" in response.text
    card = await client.get("/ui/cards/leads/5001", params={"token": token_for(settings, alpha.id, admin=False)})
    assert card.status_code == 200


async def test_demo_sign_in_does_not_exist_outside_the_demo(client: httpx.AsyncClient) -> None:
    assert (await client.get("/ui/demo/login")).status_code == 404


@pytest.mark.parametrize(("method", "path"), UI_ACTIONS)
async def test_ui_actions_require_a_valid_session(client: httpx.AsyncClient, method: str, path: str) -> None:
    for headers in ({}, {"X-UI-Token": "forged"}):
        response = await client.request(method, path, headers=headers, data={"base": "alpha-base"})
        assert response.status_code == 401, (method, path, headers)


@pytest.mark.parametrize("path", ["/ui/cards/leads/5001", "/ui/cards/leads/5001/body"])
async def test_naming_another_accounts_base_shows_only_your_own(
    client: httpx.AsyncClient, settings: Settings, path: str
) -> None:
    alpha, _ = await two_accounts()
    response = await client.get(
        path, params={"base": "beta-base"}, headers={"X-UI-Token": token_for(settings, alpha.id)}
    )
    assert response.status_code == 200
    assert "beta-base" not in response.text and "BETA-SECRET-LINK" not in response.text
    assert "alpha-base" in response.text
