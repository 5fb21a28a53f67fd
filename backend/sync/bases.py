"""Accounts and their linked 1C bases: lookup, credential checks, and linking a base (spec 2.2)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.crypto import SecretBox
from backend.models import Account, OneCBase
from backend.sync.errors import AccessDenied, AuthenticationRequired, InvalidInput, UnknownAccount

LAST_SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Credentials:
    """A login and password presented with Basic Auth."""

    login: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(login={self.login!r}, password=<hidden>)"


@dataclass(frozen=True)
class BaseAddress:
    """What 1C sends to link a base: its handler address, server address and credentials."""

    id_base: str
    web_address: str
    url_address: str
    param1: str
    param2: str

    def __repr__(self) -> str:
        return f"BaseAddress(id_base={self.id_base!r}, web_address={self.web_address!r}, param2=<hidden>)"


async def get_active_account(account_id: int) -> Account:
    """The installed, active account; raises UnknownAccount or AccessDenied (disconnected)."""
    account = await Account.get_or_none(id=account_id)
    if account is None:
        raise UnknownAccount(f"аккаунт amoCRM {account_id} не найден: установите интеграцию amo1c в amoCRM")
    if not account.active:
        raise AccessDenied(f"интеграция отключена в аккаунте amoCRM {account_id}: установите её заново")
    return account


async def get_linked_base(account: Account, id_base: str) -> OneCBase:
    """The base `id_base` of `account`; raises AccessDenied when it was never linked."""
    base = await OneCBase.get_or_none(account_id=account.id, id_base=id_base)
    if base is None:
        raise AccessDenied(f'база 1С "{id_base}" не связана с аккаунтом {account.id}: сначала вызовите /sync/base')
    return base


def credentials_match(base: OneCBase, secrets: SecretBox, presented: Credentials | None) -> bool:
    """Whether `presented` equals the base's param1/param2, compared in constant time."""
    if presented is None:
        return False
    login_ok = hmac.compare_digest(presented.login.encode("utf-8"), base.param1.encode("utf-8"))
    password_ok = hmac.compare_digest(
        presented.password.encode("utf-8"), secrets.decrypt(base.param2_enc).encode("utf-8")
    )
    return login_ok and password_ok


def require_base_credentials(base: OneCBase, secrets: SecretBox, presented: Credentials | None) -> None:
    """Raise AuthenticationRequired unless `presented` are the base's param1/param2."""
    if not credentials_match(base, secrets, presented):
        raise AuthenticationRequired(
            f'нужна Basic-авторизация логином и паролем базы "{base.id_base}" (param1/param2 из /sync/base)'
        )


def require_admin_credentials(
    admin_user: str | None, admin_password: str | None, presented: Credentials | None
) -> None:
    """Raise AccessDenied when no admin is configured, AuthenticationRequired when `presented` is not the admin."""
    if admin_user is None or admin_password is None:
        raise AccessDenied("загрузка обработчиков отключена: на сервере amo1c не заданы AMO1C_ADMIN_USER/PASSWORD")
    if presented is None:
        raise AuthenticationRequired("нужна Basic-авторизация администратора amo1c")
    login_ok = hmac.compare_digest(presented.login.encode("utf-8"), admin_user.encode("utf-8"))
    password_ok = hmac.compare_digest(presented.password.encode("utf-8"), admin_password.encode("utf-8"))
    if not (login_ok and password_ok):
        raise AuthenticationRequired("неверный логин или пароль администратора amo1c")


def check_address(field: str, value: str) -> str:
    """An http(s) URL with a host; raises InvalidInput naming the field."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(field, f'поле "{field}" должно быть адресом http:// или https://, получено "{value}"')
    return value


async def link_base(
    account: Account,
    address: BaseAddress,
    secrets: SecretBox,
    presented: Credentials | None,
    *,
    require_auth_to_change: bool,
) -> tuple[OneCBase, bool]:
    """Link a new base or update a linked one (which needs its current credentials); returns (base, created)."""
    check_address("web_address", address.web_address)
    check_address("url_address", address.url_address)
    existing = await OneCBase.get_or_none(account_id=account.id, id_base=address.id_base)
    if existing is None:
        try:
            async with in_transaction():
                base = await OneCBase.create(
                    account=account,
                    id_base=address.id_base,
                    web_address=address.web_address,
                    url_address=address.url_address,
                    param1=address.param1,
                    param2_enc=secrets.encrypt(address.param2),
                    last_seen_at=datetime.now(UTC),
                )
            return base, True
        except IntegrityError:
            # Another call linked the same base a moment ago: treat this one as a change of it.
            existing = await OneCBase.get(account_id=account.id, id_base=address.id_base)
    if require_auth_to_change:
        require_base_credentials(existing, secrets, presented)
    existing.web_address = address.web_address
    existing.url_address = address.url_address
    existing.param1 = address.param1
    existing.param2_enc = secrets.encrypt(address.param2)
    existing.last_seen_at = datetime.now(UTC)
    await existing.save()
    return existing, False


async def mark_seen(base: OneCBase) -> None:
    """Record that 1C called with this base (at most one write a minute per base)."""
    now = datetime.now(UTC)
    if base.last_seen_at is None or now - base.last_seen_at >= LAST_SEEN_RESOLUTION:
        await OneCBase.filter(id=base.id).update(last_seen_at=now)
        base.last_seen_at = now
