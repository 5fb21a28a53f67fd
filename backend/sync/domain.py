"""The app-wide parts every account's work uses, opened by the app's lifespan: settings, the secrets box, the
amoCRM and 1C clients, the field directory and the sync log."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from backend.crypto import SecretBox
from backend.settings import Settings
from backend.sync.connections import AmoCRMClients, OneCClients
from backend.sync.directory import FieldDirectory
from backend.sync.log import SyncLog
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

    def workspace(self, account_id: int) -> Workspace:
        """The operations of one account (made per request; cheap)."""
        return Workspace(self, account_id)
