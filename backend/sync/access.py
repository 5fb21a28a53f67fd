"""Who may make a sync call: the base's own 1C (its param1/param2), or the server's operator — never a stranger.

An unknown base and wrong credentials get the same answer, failed logins are throttled per base and client
address, and a base awaiting an admin's approval can do nothing.
"""

from __future__ import annotations

from backend.crypto import SecretBox
from backend.models import Account, OneCBase
from backend.sync.approval import live_request
from backend.sync.credentials import Credentials, credentials_match, require_admin_credentials, wrong_credentials
from backend.sync.errors import AccessDenied, AuthenticationRequired, AwaitingApproval
from backend.sync.throttle import OPERATOR_SCOPE, base_scope, check_attempt, record_failure


def awaiting_approval(id_base: str) -> AwaitingApproval:
    """What a base awaiting approval is told, whatever it calls."""
    return AwaitingApproval(
        f'база 1С "{id_base}" ожидает подтверждения администратором аккаунта amoCRM: администратор должен '
        "подключить её в настройках виджета amo1c в amoCRM (раздел «Базы 1С»)"
    )


async def admit_base(
    account: Account,
    id_base: str,
    secrets: SecretBox,
    presented: Credentials | None,
    *,
    client: str,
    check_credentials: bool,
) -> OneCBase:
    """The approved base a call names, its caller checked when `check_credentials`.

    Raises TooManyAttempts, AuthenticationRequired (unknown base or wrong credentials alike), AwaitingApproval
    (the right credentials of a base or request an admin has not approved), AccessDenied (no such base, when
    credentials are not checked).
    """
    scope = base_scope(account.id, id_base)
    if check_credentials:
        await check_attempt(scope, client)
    base = await OneCBase.get_or_none(account_id=account.id, id_base=id_base)
    request = None
    if base is None or base.awaiting_change:
        request = await live_request(account.id, id_base)
        if base is not None and request is None:
            base.awaiting_change = False  # the change request expired: the base is approved as it was
    holders = [holder for holder in (base, request) if holder is not None]
    if check_credentials and not any(credentials_match(holder, secrets, presented) for holder in holders):
        await record_failure(scope, client)
        raise wrong_credentials(account.id, id_base)
    if request is not None:
        raise awaiting_approval(id_base)
    if base is None:
        raise AccessDenied(f'база 1С "{id_base}" не связана с аккаунтом {account.id}: сначала вызовите /sync/base')
    return base


async def admit_operator(
    admin_user: str | None, admin_password: str | None, presented: Credentials | None, *, client: str
) -> None:
    """Check the server operator's Basic Auth; raises TooManyAttempts, AuthenticationRequired or AccessDenied."""
    await check_attempt(OPERATOR_SCOPE, client)
    try:
        require_admin_credentials(admin_user, admin_password, presented)
    except AuthenticationRequired:
        await record_failure(OPERATOR_SCOPE, client)
        raise
