"""Clients per account and per base: amoCRM (encrypted tokens, one shared request budget) and 1C (logged calls)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC

import httpx

from backend import db
from backend.amocrm import (
    AmoCRMAuthError,
    AmoCRMClient,
    AmoCRMUnreachable,
    LocalRequestBudget,
    OAuthCredentials,
    RequestBudget,
    RetryPolicy,
    TokenPair,
)
from backend.crypto import SecretBox
from backend.models import Account, Direction, OneCBase
from backend.onec import CallRecord, Connection, OneCClient
from backend.settings import Settings
from backend.sync.budget import DatabaseRequestBudget
from backend.sync.locks import AdvisoryLocks, LockUnavailable
from backend.sync.log import LogRecord, SyncLog

logger = logging.getLogger("amo1c.tokens")
REFRESH_LOCKS = 0x616D6F31  # "amo1" — the advisory lock namespace of token refreshes


class DatabaseTokenStore:
    """Keeps each account's OAuth pair encrypted in its Account row; refreshes are serialized per account.

    Within a process an asyncio lock queues an account's refreshes; with `shared` locks (PostgreSQL) the holder
    also takes the account's advisory lock, so one worker refreshes while the others wait and then re-load its pair.
    """

    def __init__(self, secrets: SecretBox, shared: AdvisoryLocks | None = None) -> None:
        self._secrets = secrets
        self._locks: dict[int, asyncio.Lock] = {}
        self._shared = shared

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
        """Serialize refreshes of one account in this process and, with shared locks, across workers.

        Covers re-loading the pair, the refresh at amoCRM and saving the new pair. Raises AmoCRMUnreachable when
        the shared lock cannot be taken (database unreachable, or held past its timeout).
        """
        lock = self._locks.setdefault(account_id, asyncio.Lock())
        async with lock:
            if self._shared is None:
                yield
                return
            try:
                async with self._shared.hold(account_id):
                    yield
            except LockUnavailable as exc:  # only taking the lock raises it, never the refresh inside
                logger.warning("token refresh of account %s not started: %s", account_id, exc)
                raise AmoCRMUnreachable(
                    f"токены аккаунта amoCRM {account_id} сейчас не обновить (нет блокировки в базе данных): "
                    "повторите запрос позже"
                ) from exc


def request_budget(settings: Settings) -> RequestBudget:
    """The pacing of amoCRM requests: in the database on PostgreSQL, where several workers share each account's
    budget, in process memory on SQLite (one process by design)."""
    if db.is_postgres(settings.database_url):
        return DatabaseRequestBudget(settings.amocrm_rps)
    return LocalRequestBudget(settings.amocrm_rps)


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
        shared = AdvisoryLocks(settings.database_url, REFRESH_LOCKS) if db.is_postgres(settings.database_url) else None
        self.tokens = DatabaseTokenStore(secrets, shared)
        self.budget = budget if budget is not None else request_budget(settings)
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


class OneCClients:
    """Builds the 1C client and connection of a base; every call into 1C is written to the sync log."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings, secrets: SecretBox, sync_log: SyncLog) -> None:
        self._http = http
        self._settings = settings
        self._secrets = secrets
        self._sync_log = sync_log

    def connection(self, base: OneCBase) -> Connection:
        """Where and as whom to call `base` (its password decrypted only here, into memory)."""
        return Connection(
            web_address=base.web_address,
            login=base.param1,
            password=self._secrets.decrypt(base.param2_enc),
            account_id=base.account_id,
            id_base=base.id_base,
            refusal=(
                f'база 1С "{base.id_base}" ожидает подтверждения изменений администратором: в неё ничего не '
                "отправляется, пока их не подключат в настройках"
            )
            if base.awaiting_change
            else "",
        )

    def for_base(self, base: OneCBase) -> tuple[OneCClient, Connection]:
        """A client whose calls are logged under the base's account and id, and the base's connection."""
        sync_log = self._sync_log

        async def log_call(record: CallRecord) -> None:
            entry = LogRecord(
                direction=Direction.TO_1C,
                operation=record.operation,
                account_id=base.account_id,
                id_base=base.id_base,
                amo_id=record.amo_id,
                id_1c=record.id_1c,
                summary=record.request_summary,
            )
            await sync_log.write(entry, status=record.status, error=record.error, duration_ms=record.duration_ms)

        client = OneCClient(
            self._http,
            timeout=self._settings.onec_timeout,
            allow_private=self._settings.onec_allow_private,
            on_call=log_call,
        )
        return client, self.connection(base)
