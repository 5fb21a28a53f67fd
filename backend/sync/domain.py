"""The app-wide parts every account's work uses, opened by the app's lifespan: settings, the secrets box, the
amoCRM and 1C clients, the field directory and the sync log."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

import httpx

from backend.amocrm import RequestBudget, RetryPolicy
from backend.crypto import SecretBox
from backend.settings import Settings
from backend.store import coordination
from backend.store.claims import IntentClaims
from backend.sync.automation import Automation
from backend.sync.connections import AmoCRMClients, OneCClients
from backend.sync.directory import FieldDirectory
from backend.sync.log import SyncLog
from backend.sync.outbox import Outbox
from backend.sync.workspace import Workspace


@dataclass
class Domain:
    """Settings, secrets box, HTTP clients for amoCRM and 1C, the sync log, amoCRM clients per account."""

    settings: Settings
    secrets: SecretBox
    amocrm_http: httpx.AsyncClient
    onec_http: httpx.AsyncClient
    sync_log: SyncLog
    amocrm: AmoCRMClients
    field_directory: FieldDirectory
    onec: OneCClients
    claims: IntentClaims
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # set when work arrives for the background task

    @classmethod
    def assemble(
        cls,
        settings: Settings,
        amocrm_http: httpx.AsyncClient,
        onec_http: httpx.AsyncClient,
        *,
        amocrm_budget: RequestBudget | None = None,
        amocrm_retry: RetryPolicy | None = None,
    ) -> Domain:
        """The parts for `settings` over two open HTTP clients, shared with other workers through the database as
        `store.coordination` decides (the app's lifespan and `amo1c doctor` alike); raises nothing."""
        secrets = SecretBox(settings.secret_key)
        sync_log = SyncLog(timedelta(days=settings.sync_log_retention_days))
        shared = coordination(settings, secrets, budget=amocrm_budget)
        return cls(
            settings=settings,
            secrets=secrets,
            amocrm_http=amocrm_http,
            onec_http=onec_http,
            sync_log=sync_log,
            amocrm=AmoCRMClients(amocrm_http, settings, shared, retry=amocrm_retry),
            field_directory=FieldDirectory(),
            onec=OneCClients(onec_http, settings, secrets, sync_log),
            claims=shared.claims,
        )

    def work_arrived(self) -> None:
        """Wake this worker's background task at once (a webhook left a hint) instead of at its next idle round."""
        self.wake.set()

    @cached_property
    def automation(self) -> Automation:
        """The triggers' background rounds (hints read back, reconciliation)."""
        return Automation(self)

    @cached_property
    def outbox(self) -> Outbox:
        """The outbox of calls into 1C, sent with this worker's claims."""
        return Outbox(self, self.claims)

    def workspace(self, account_id: int) -> Workspace:
        """The operations of one account (made per request; cheap)."""
        return Workspace(self, account_id)
