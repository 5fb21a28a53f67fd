"""amoCRM accounts that installed amo1c: found by id, active or disconnected."""

from __future__ import annotations

from backend.models import Account
from backend.sync.errors import AccessDenied, UnknownAccount


async def get_active_account(account_id: int) -> Account:
    """The installed, active account; raises UnknownAccount or AccessDenied (disconnected)."""
    account = await _installed_account(account_id)
    if not account.active:
        raise AccessDenied(f"интеграция отключена в аккаунте amoCRM {account_id}: установите её заново")
    return account


async def is_active(account_id: int) -> bool:
    """Whether the installed account's integration is active (spec 2.1); raises UnknownAccount."""
    return (await _installed_account(account_id)).active


async def _installed_account(account_id: int) -> Account:
    account = await Account.get_or_none(id=account_id)
    if account is None:
        raise UnknownAccount(f"аккаунт amoCRM {account_id} не найден: установите интеграцию amo1c в amoCRM")
    return account
