"""Test factories: an installed amoCRM account backed by the fake, a linked 1C base, Basic Auth headers, rows."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from starlette.applications import Starlette

from backend.amocrm import OAuthCredentials, exchange_code
from backend.crypto import SecretBox
from backend.fakes.amocrm import Account as FakeAccount
from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.amocrm.state import Entity
from backend.models import Account, FieldMapping, MappingKind, OneCBase
from backend.settings import Settings
from backend.store import DatabaseTokenStore

BASE_LOGIN = "Обмен1С"
BASE_PASSWORD = "пароль-базы-1С"


def basic(login: str, password: str) -> dict[str, str]:
    """The Authorization header 1C sends (UTF-8 credentials)."""
    token = base64.b64encode(f"{login}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


BASE_AUTH = basic(BASE_LOGIN, BASE_PASSWORD)
# The server operator of the test settings (AMO1C_ADMIN_USER/PASSWORD): its /sync/base links are approved at once.
ADMIN_AUTH = basic("admin", "admin-password")


async def stored_log(app: Starlette) -> None:
    """Store the sync log entries the app still holds in its buffer: it stores them within 200 ms, a test reads the
    table at once."""
    await app.state.domain.sync_log.flush()


async def install_account(fake: FakeAmoCRM, settings: Settings, *, subdomain: str = "shop") -> Account:
    """An account of the fake amoCRM, installed in amo1c with real tokens from the fake's OAuth endpoint."""
    fake_account = fake.add_account(subdomain=subdomain, name=f"Аккаунт {subdomain}")
    assert settings.amocrm_client_id and settings.amocrm_client_secret and settings.amocrm_base_url
    credentials = OAuthCredentials(settings.amocrm_client_id, settings.amocrm_client_secret, settings.redirect_uri)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake)) as http:
        pair = await exchange_code(http, settings.amocrm_base_url, credentials, fake.issue_code(fake_account.id))
    account = await Account.create(id=fake_account.id, subdomain=subdomain, name=fake_account.name)
    await DatabaseTokenStore(SecretBox(settings.secret_key)).save(account.id, pair)
    return account


def base_body(account_id: int, id_base: str = "trade", **overrides: Any) -> dict[str, Any]:
    """The body 1C sends to /sync/base."""
    body: dict[str, Any] = {
        "key": account_id,
        "id_base": id_base,
        "web_address": "http://1c.example.test/trade/hs/amo1c/handler",
        "url_address": "http://1c.example.test/trade",
        "param1": BASE_LOGIN,
        "param2": BASE_PASSWORD,
    }
    body.update(overrides)
    return body


async def link_base(client: httpx.AsyncClient, account_id: int, id_base: str = "trade", **overrides: Any) -> None:
    """Link a base through the real endpoint as the server's operator, so it is approved at once."""
    response = await client.post("/sync/base", json=base_body(account_id, id_base, **overrides), headers=ADMIN_AUTH)
    assert response.status_code == 200, response.text


def field_values(account: FakeAccount, entity_type: str, entity_id: int) -> dict[str, list[str]]:
    """An entity's custom values in the fake, keyed by field code (PHONE, EMAIL) or, without one, field name."""
    fields = {field.id: field for field in account.custom_fields[entity_type]}
    entity = account.entities(entity_type)[entity_id]
    return {
        fields[field_id].code or fields[field_id].name: [str(item["value"]) for item in values]
        for field_id, values in entity.custom_fields.items()
    }


def seed_lead(fake: FakeAmoCRM, account_id: int, lead_id: int, name: str = "Сделка", price: int = 0) -> None:
    """Put a deal with a chosen id straight into the fake amoCRM (a card panel shows only a deal amoCRM has)."""
    account = fake.account(account_id)
    user_id = next(iter(account.users))
    account.leads[lead_id] = Entity(lead_id, "leads", name, user_id, user_id, 1_700_000_000, 1_700_000_000, user_id)
    account.leads[lead_id].price = price


def linked_ids(account: FakeAccount, entity_type: str, entity_id: int, other_type: str) -> set[int]:
    """Ids of `other_type` entities linked with an entity in the fake."""
    found = set()
    for link in account.links:
        other = link.other_side(entity_type, entity_id)
        if other is not None and other[0] == other_type:
            found.add(other[1])
    return found


def widget_jwt(
    settings: Settings,
    account_id: int,
    *,
    user_id: int = 7001,
    is_admin: bool = True,
    aud: str | None = None,
    key: str | None = None,
    issued_ago: int = 0,
    lifetime: int = 1800,
    not_before_in: int = 0,
    jti: str | None = None,
    claims: dict[str, Any] | None = None,
) -> str:
    """A widget token as amoCRM signs it (HS256 with the client secret, aud = amo1c's origin); `claims` replace
    the usual ones (an attacker's types, say)."""
    import time
    import uuid

    import jwt

    now = int(time.time()) - issued_ago
    payload = {
        "iss": "https://shop.amocrm.ru",
        "aud": aud if aud is not None else settings.public_origin,
        "jti": jti or str(uuid.uuid4()),
        "iat": now,
        "nbf": now + not_before_in,
        "exp": now + lifetime,
        "account_id": account_id,
        "user_id": user_id,
        "client_uuid": settings.amocrm_client_id,
        "subdomain": "shop",
        "is_admin": is_admin,
        **(claims or {}),
    }
    return jwt.encode(payload, key or settings.amocrm_client_secret or "", algorithm="HS256")


async def store_mapping_rows(base: OneCBase, count: int, *, first_id: int = 1) -> None:
    """`count` contact correspondence rows written straight to the table, as a database filled before the row
    limit existed may hold them (amoCRM field ids from `first_id` on)."""
    rows = [
        FieldMapping(base_id=base.id, kind=MappingKind.CONTACT, amo_field_id=first_id + n, onec_field=f"Поле{n}")
        for n in range(count)
    ]
    await FieldMapping.bulk_create(rows, batch_size=5000)
