"""Installing and disconnecting the integration in an amoCRM account (OAuth code exchange, account record)."""

from __future__ import annotations

import httpx
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from backend.amocrm import (
    AccountInfo,
    AmoCRMClient,
    LocalRequestBudget,
    MemoryTokenStore,
    OAuthCredentials,
    RetryPolicy,
    exchange_code,
)
from backend.amocrm.domains import ACCOUNT_HOST
from backend.crypto import SecretBox
from backend.models import Account
from backend.sync.errors import InvalidInput

# The hosts amoCRM sends as `referer`: the account's own domain. Anything else would make amo1c post the
# integration's client secret to a host of the caller's choosing.
UNKNOWN_ACCOUNT = 0


def account_host(referer: str) -> tuple[str, str]:
    """The (subdomain, base domain) of an amoCRM account host such as "shop.amocrm.ru"; raises InvalidInput."""
    host = referer.strip().lower().removeprefix("https://").rstrip("/")
    match = ACCOUNT_HOST.fullmatch(host)
    if match is None:
        raise InvalidInput("referer", f"«{referer}» не адрес аккаунта amoCRM или Kommo")
    return match.group("subdomain"), match.group("domain")


async def install(
    http: httpx.AsyncClient,
    *,
    referer: str,
    code: str,
    credentials: OAuthCredentials,
    base_url: str | None,
    secrets: SecretBox,
) -> Account:
    """Exchange `code`, read the account and store it with its tokens; nothing is stored if any step fails.

    Raises InvalidInput for a bad referer and AmoCRMError from the exchange or the account call.
    """
    subdomain, domain = account_host(referer)
    api_url = base_url or f"https://{subdomain}.{domain}"
    pair = await exchange_code(http, api_url, credentials, code)
    # The account id is known only once amoCRM answers; until then the tokens live in memory, not the database.
    probe = AmoCRMClient(
        http,
        account_id=UNKNOWN_ACCOUNT,
        base_url=api_url,
        credentials=credentials,
        tokens=MemoryTokenStore({UNKNOWN_ACCOUNT: pair}),
        budget=LocalRequestBudget(1.0),
        retry=RetryPolicy(attempts=2),
    )
    info: AccountInfo = await probe.account()
    async with in_transaction():
        account, created = await Account.get_or_create(id=info.id, defaults={"subdomain": info.subdomain or subdomain})
        if not created:
            account.installation += 1  # tokens issued under an earlier installation die with it
        account.subdomain = info.subdomain or subdomain
        account.base_domain = domain
        account.name = info.name[:255]
        account.access_token_enc = secrets.encrypt(pair.access_token)
        account.refresh_token_enc = secrets.encrypt(pair.refresh_token)
        account.token_expires_at = pair.expires_at
        account.active = True
        await account.save()
    return account


async def disconnect(account_id: int) -> bool:
    """Deactivate an account and forget its tokens, keeping its bases and settings; False when it is unknown."""
    updated = await Account.filter(id=account_id).update(
        active=False,
        access_token_enc=None,
        refresh_token_enc=None,
        token_expires_at=None,
        installation=F("installation") + 1,  # every UI token issued before dies with the installation
    )
    return bool(updated)


async def current_installation(account_id: int) -> int | None:
    """The account's installation counter while it is installed and active, else None."""
    account = await Account.filter(id=account_id, active=True).only("id", "installation").first()
    return account.installation if account is not None else None


async def first_active_account() -> int | None:
    """The id of the active account installed first (the demo's own), or None when none is installed."""
    account = await Account.filter(active=True).order_by("installed_at").only("id").first()
    return account.id if account is not None else None
