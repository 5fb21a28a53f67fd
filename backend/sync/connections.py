"""Clients per account and per base: amoCRM (encrypted tokens, one shared request budget) and 1C (logged calls)."""

from __future__ import annotations

import httpx

from backend import metrics
from backend.amocrm import AmoCRMAuthError, AmoCRMClient, OAuthCredentials, RetryPolicy
from backend.crypto import SecretBox
from backend.models import Account, Direction, OneCBase
from backend.onec import BaseClient, CallRecord, Connection, OneCClient
from backend.settings import Settings
from backend.store import Coordination
from backend.sync.log import LogRecord, SyncLog
from backend.sync.operations import operation_label, worth_logging


class AmoCRMClients:
    """Builds the amoCRM client of an account; shares the token store and request budget between them."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: Settings,
        coordination: Coordination,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._http = http
        self._settings = settings
        self.tokens = coordination.tokens
        self.budget = coordination.budget
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

    def for_base(self, base: OneCBase, timeout: float | None = None) -> BaseClient:
        """The base's 1C client; its calls are logged under the base's account and id (a quiet read only when it
        fails, sync.operations.worth_logging); `timeout` (seconds) bounds its calls tighter than
        AMO1C_ONEC_TIMEOUT."""
        sync_log = self._sync_log

        async def log_call(record: CallRecord) -> None:
            metrics.onec_call(operation_label(record.operation), record.outcome, record.duration_ms / 1000)
            if not worth_logging(record.operation, failed=record.error is not None):
                return  # counted, not logged
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
            timeout=min(timeout, self._settings.onec_timeout) if timeout else self._settings.onec_timeout,
            allow_private=self._settings.onec_allow_private,
            on_call=log_call,
        )
        return BaseClient(client, self.connection(base))
