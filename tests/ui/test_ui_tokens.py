"""UI tokens as an attacker would use one that leaked: in a cross-site form's URL, in htmx's URL, after the account
disconnected amo1c or installed it again."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from backend.models import OneCBase
from tests.ui.conftest import Admin

NEW_BASE = {
    "id_base": "склад",
    "web_address": "https://1c.example.test/sklad/hs/amo1c",
    "url_address": "https://1c.example.test/sklad",
    "param1": "Обмен",
    "param2": "пароль",
}


async def test_a_token_in_the_query_of_a_post_is_refused_and_changes_nothing(admin: Admin) -> None:
    response = await admin.client.post("/ui/settings/bases", params={"token": admin.token}, data=NEW_BASE)
    assert response.status_code == 401
    assert "Сессия истекла — обновите карточку." in response.text and response.text.count('role="alert"') == 1
    assert not await OneCBase.filter(id_base="склад").exists()
    both = await admin.client.post(
        "/ui/settings/bases", params={"token": admin.token}, data=NEW_BASE, headers=admin.htmx()
    )
    assert both.status_code == 401, "a token in the URL is refused even beside a good header"
    assert not await OneCBase.filter(id_base="склад").exists()
    deleted = await admin.client.delete(f"/ui/settings/bases/{(await admin.base()).id}", params={"token": admin.token})
    assert deleted.status_code == 401 and await OneCBase.filter(id_base="trade").exists()


async def test_a_token_in_the_query_of_an_htmx_request_is_refused(admin: Admin) -> None:
    response = await admin.client.get("/ui/settings/log", params={"token": admin.token}, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert (await admin.page("/ui/settings/log")).status_code == 200, "the page's first load takes it"
    assert (await admin.get("/ui/settings/log")).status_code == 200, "htmx sends it in the header"


async def test_a_token_dies_when_the_account_disconnects(admin: Admin) -> None:
    token = admin.token
    assert (await admin.page("/ui/settings")).status_code == 200
    settings = admin.settings
    assert settings.amocrm_client_id and settings.amocrm_client_secret
    account_id = str(admin.account.id)
    signature = hmac.new(
        settings.amocrm_client_secret.encode(), f"{settings.amocrm_client_id}|{account_id}".encode(), hashlib.sha256
    ).hexdigest()
    hook = {"account_id": account_id, "client_uuid": settings.amocrm_client_id, "signature": signature}
    assert (await admin.client.get("/oauth/disconnect", params=hook)).status_code == 200
    read = await admin.client.get("/ui/settings", params={"token": token})
    assert read.status_code == 401
    write = await admin.client.post(
        "/ui/settings/bases", data=NEW_BASE, headers={"X-UI-Token": token, "HX-Request": "true"}
    )
    assert write.status_code == 401 and not await OneCBase.filter(id_base="склад").exists()
    card = await admin.client.get("/ui/cards/leads/1", params={"token": token})
    assert card.status_code == 401


async def test_a_token_issued_before_a_reinstall_is_refused_after_it(admin: Admin) -> None:
    old = admin.token
    code = admin.amocrm.issue_code(admin.account.id)
    query = {"code": code, "referer": "shop.amocrm.ru", "from_widget": "1"}
    assert (await admin.client.get("/oauth/callback", params=query)).status_code == 200
    assert (await admin.client.get("/ui/settings", params={"token": old})).status_code == 401


@pytest.mark.parametrize(
    ("params", "headers", "sentence"),
    [
        ({"token": "forged"}, {}, "Сессия истекла — обновите карточку."),
        ({"token": "forged", "lang": "en"}, {}, "The session has expired — reload the card."),
        ({}, {"X-UI-Token": "forged", "HX-Request": "true", "Accept-Language": "en-GB,en"}, "The session has expired"),
        ({}, {}, "Откройте эту страницу из amoCRM."),
    ],
)
async def test_a_card_without_a_valid_session_says_to_reload_it(
    admin: Admin, params: dict[str, str], headers: dict[str, str], sentence: str
) -> None:
    response = await admin.client.get("/ui/cards/leads/1", params=params, headers=headers)
    assert response.status_code == 401
    assert sentence in response.text and response.text.count('role="alert"') == 1
    assert "токен" not in response.text and "неверный" not in response.text
