"""Each account's OAuth pair kept encrypted in its Account row, with refreshes serialized per account."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC

from backend.amocrm import AmoCRMAuthError, AmoCRMUnreachable, TokenPair
from backend.crypto import SecretBox
from backend.models import Account
from backend.store.locks import AdvisoryLocks, LockUnavailable

logger = logging.getLogger("amo1c.tokens")


class DatabaseTokenStore:
    """Keeps each account's OAuth pair encrypted in its Account row; refreshes are serialized per account.

    Within a process an asyncio lock queues an account's refreshes; with `shared` locks (PostgreSQL) the holder
    also takes the account's advisory lock, so one worker refreshes while the others wait and then re-load its pair.
    """

    def __init__(self, secrets: SecretBox, shared: AdvisoryLocks | None = None) -> None:
        self._secrets = secrets
        self._locks: dict[int, asyncio.Lock] = {}
        self.shared = shared

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
            if self.shared is None:
                yield
                return
            try:
                async with self.shared.hold(account_id):
                    yield
            except LockUnavailable as exc:  # only taking the lock raises it, never the refresh inside
                logger.warning("token refresh of account %s not started: %s", account_id, exc)
                raise AmoCRMUnreachable(
                    f"токены аккаунта amoCRM {account_id} сейчас не обновить (нет блокировки в базе данных): "
                    "повторите запрос позже"
                ) from exc
