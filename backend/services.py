"""What the lifespan opens and every request handler shares."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from starlette.templating import Jinja2Templates

from backend.crypto import SecretBox
from backend.settings import Settings
from backend.sync.connections import AmoCRMClients, OneCClients
from backend.sync.directory import FieldDirectory
from backend.sync.log import SyncLog
from backend.ui.tokens import UITokens


@dataclass
class Services:
    """Settings, secrets box, HTTP clients for amoCRM and 1C, the sync log, amoCRM clients per account."""

    settings: Settings
    secrets: SecretBox
    amocrm_http: httpx.AsyncClient
    onec_http: httpx.AsyncClient
    sync_log: SyncLog
    amocrm: AmoCRMClients
    field_directory: FieldDirectory
    onec: OneCClients
    ui_tokens: UITokens
    templates: Jinja2Templates
