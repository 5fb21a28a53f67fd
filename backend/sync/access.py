"""Who may make a sync call: the base's own 1C (its param1/param2), or the server's operator — never a stranger.

An unknown base and wrong credentials get the same answer, failed logins are throttled per base and client
address, and a base awaiting an admin's approval can do nothing.
"""

from __future__ import annotations

from functools import cache

from backend.crypto import SecretBox
from backend.models import Account, EntityLink, LoginThrottle, OneCBase
from backend.sync import links
from backend.sync.accounts import get_active_account
from backend.sync.approval import live_request
from backend.sync.credentials import Credentials, credentials_match, require_admin_credentials, wrong_credentials
from backend.sync.errors import AccessDenied, AuthenticationRequired, AwaitingApproval
from backend.sync.statements import Statement, columns, instance
from backend.sync.throttle import OPERATOR_SCOPE, base_scope, check_attempt, record_failure, refuse_if_throttled


@cache
def _admission() -> Statement:
    # $1 account id, $2 id_base, $3 throttle scope, $4 client address, $5 the 1C id the call names (or NULL): the
    # account, the base with its correspondence version, the client's failed logins for the base and the links of
    # that 1C object (one row per entity kind it is linked as), all found by unique keys.
    selected = ", ".join(
        columns(model, alias, f"{alias}_")
        for model, alias in ((Account, "a"), (OneCBase, "b"), (LoginThrottle, "t"), (EntityLink, "l"))
    )
    return Statement(
        f"SELECT {selected} "
        'FROM "account" a '
        'LEFT JOIN "onec_base" b ON b."account_id" = a."id" AND b."id_base" = $2 '
        'LEFT JOIN "login_throttle" t ON t."scope" = $3 AND t."client" = $4 '
        'LEFT JOIN "entity_link" l ON l."base_id" = b."id" AND l."id_1c" = $5 '
        'WHERE a."id" = $1'
    )


async def admit_call(
    account_id: int,
    id_base: str,
    secrets: SecretBox,
    presented: Credentials | None,
    *,
    client: str,
    check_credentials: bool,
    id_1c: str | None = None,
) -> tuple[Account, OneCBase]:
    """The active account and the approved base a sync call names, its caller checked when `check_credentials`:
    what get_active_account and admit_base answer, in one query when the base is linked and approved (every call
    but a base's first ones), by those two otherwise. The same query reads the links of the 1C object `id_1c` (the
    call's, when it names one), which the call's claim then uses (links.read_with_base).

    Raises UnknownAccount, AccessDenied, TooManyAttempts, AuthenticationRequired, AwaitingApproval.
    """
    links.read_with_base(None, None, ())
    scope = base_scope(account_id, id_base)
    rows = await _admission().rows(account_id, id_base, scope, client[:64], id_1c)
    row = rows[0] if rows else None
    if row is None or not row["a_active"] or row["b_id"] is None or row["b_awaiting_change"]:
        account = await get_active_account(account_id)  # raises what an unknown or disconnected account gets
        checked = check_credentials
        return account, await admit_base(account, id_base, secrets, presented, client=client, check_credentials=checked)
    account, base = instance(Account, row, "a_"), instance(OneCBase, row, "b_")
    if check_credentials:
        refuse_if_throttled(instance(LoginThrottle, row, "t_") if row["t_id"] is not None else None, client)
        if not credentials_match(base, secrets, presented):
            await record_failure(scope, client)
            raise wrong_credentials(account_id, id_base)
    links.read_with_base(
        base, id_1c, [instance(EntityLink, found, "l_") for found in rows if found["l_id"] is not None]
    )
    return account, base


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
