"""amoCRM clients per account: tokens kept encrypted in the database, one request budget shared by all calls."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC

import httpx

from backend.amocrm import (
    AmoCRMAuthError,
    AmoCRMClient,
    LocalRequestBudget,
    OAuthCredentials,
    RequestBudget,
    RetryPolicy,
    TokenPair,
)
from backend.crypto import SecretBox
from backend.models import Account
from backend.settings import Settings


class DatabaseTokenStore:
    """Keeps each account's OAuth pair encrypted in its Account row; refreshes are serialized per account."""

    def __init__(self, secrets: SecretBox) -> None:
        self._secrets = secrets
        self._locks: dict[int, asyncio.Lock] = {}

    async def load(self, account_id: int) -> TokenPair | None:
        """The stored pair, or None when the account has none (not installed, or disconnected)."""
        account = await Account.get_or_none(id=account_id)
        if account is None or not account.access_token_enc or not account.refresh_token_enc:
            return None
        if account.token_expires_at is None:
            return None
        return TokenPair(
            access_token=self._secrets.decrypt(account.access_token_enc),
            refresh_token=self._secrets.decrypt(account.refresh_token_enc),
            expires_at=account.token_expires_at.astimezone(UTC),
        )

    async def save(self, account_id: int, pair: TokenPair) -> None:
        """Store a new pair (before anyone uses it: the old refresh token is already spent)."""
        updated = await Account.filter(id=account_id).update(
            access_token_enc=self._secrets.encrypt(pair.access_token),
            refresh_token_enc=self._secrets.encrypt(pair.refresh_token),
            token_expires_at=pair.expires_at,
        )
        if not updated:
            raise AmoCRMAuthError(f"account {account_id} vanished while its tokens were refreshed")

    @contextlib.asynccontextmanager
    async def refresh_lock(self, account_id: int) -> AsyncIterator[None]:
        """Serialize refreshes of one account within this process."""
        lock = self._locks.setdefault(account_id, asyncio.Lock())
        async with lock:
            yield


class AmoCRMClients:
    """Builds the amoCRM client of an account; shares the token store and request budget between them."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: Settings,
        secrets: SecretBox,
        *,
        budget: RequestBudget | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._http = http
        self._settings = settings
        self.tokens = DatabaseTokenStore(secrets)
        self.budget = budget if budget is not None else LocalRequestBudget(settings.amocrm_rps)
        self._retry = retry if retry is not None else RetryPolicy()

    @property
    def credentials(self) -> OAuthCredentials:
        """The integration's OAuth credentials; raises AmoCRMAuthError when they are not configured."""
        client_id, client_secret = self._settings.amocrm_client_id, self._settings.amocrm_client_secret
        if client_id is None or client_secret is None:
            raise AmoCRMAuthError("AMO1C_AMOCRM_CLIENT_ID/SECRET are not configured on this amo1c server")
        return OAuthCredentials(client_id, client_secret, self._settings.redirect_uri)

    def base_url(self, account: Account) -> str:
        """Where this account's API lives: AMO1C_AMOCRM_BASE_URL, or its own amoCRM domain."""
        if self._settings.amocrm_base_url is not None:
            return self._settings.amocrm_base_url
        return f"https://{account.subdomain}.{account.base_domain}"

    def for_account(self, account: Account) -> AmoCRMClient:
        """A client acting for `account`."""
        return AmoCRMClient(
            self._http,
            account_id=account.id,
            base_url=self.base_url(account),
            credentials=self.credentials,
            tokens=self.tokens,
            budget=self.budget,
            retry=self._retry,
        )
