"""Basic Auth credentials as 1C and the server's operator present them, and how they are compared (in constant
time); the one answer to wrong ones."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from backend.crypto import SecretBox
from backend.models import BaseRequest, OneCBase
from backend.sync.errors import AccessDenied, AuthenticationRequired


@dataclass(frozen=True)
class Credentials:
    """A login and password presented with Basic Auth."""

    login: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(login={self.login!r}, password=<hidden>)"


def credentials_match(holder: OneCBase | BaseRequest, secrets: SecretBox, presented: Credentials | None) -> bool:
    """Whether `presented` equals the param1/param2 of a base (or of a base's request), in constant time."""
    if presented is None:
        return False
    login_ok = hmac.compare_digest(presented.login.encode("utf-8"), holder.param1.encode("utf-8"))
    password_ok = secrets.matches(holder.param2_enc, presented.password)
    return login_ok and password_ok


def wrong_credentials(account_id: int, id_base: str) -> AuthenticationRequired:
    """The one answer to an unknown base and to wrong credentials alike, so base names cannot be probed."""
    return AuthenticationRequired(
        f'база 1С "{id_base}" не связана с аккаунтом {account_id} или логин и пароль неверны: передайте '
        "Basic-авторизацию логином и паролем базы (param1/param2 из /sync/base)"
    )


def is_operator(admin_user: str | None, admin_password: str | None, presented: Credentials | None) -> bool:
    """Whether `presented` are the server operator's AMO1C_ADMIN_USER/PASSWORD (never when they are unset)."""
    if admin_user is None or admin_password is None or presented is None:
        return False
    login_ok = hmac.compare_digest(presented.login.encode("utf-8"), admin_user.encode("utf-8"))
    password_ok = hmac.compare_digest(presented.password.encode("utf-8"), admin_password.encode("utf-8"))
    return login_ok and password_ok


def require_admin_credentials(
    admin_user: str | None, admin_password: str | None, presented: Credentials | None
) -> None:
    """Raise AccessDenied when no admin is configured, AuthenticationRequired when `presented` is not the admin."""
    if admin_user is None or admin_password is None:
        raise AccessDenied("загрузка обработчиков отключена: на сервере amo1c не заданы AMO1C_ADMIN_USER/PASSWORD")
    if presented is None:
        raise AuthenticationRequired("нужна Basic-авторизация администратора amo1c")
    if not is_operator(admin_user, admin_password, presented):
        raise AuthenticationRequired("неверный логин или пароль администратора amo1c")
