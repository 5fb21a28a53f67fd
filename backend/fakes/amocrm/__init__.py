"""A fake amoCRM (Kommo) API v4 server for tests and the demo: many accounts behind one base URL."""

from __future__ import annotations

from backend.fakes.amocrm.app import FakeAmoCRM
from backend.fakes.amocrm.deliveries import Delivery, DropRule
from backend.fakes.amocrm.faults import Fault, RequestRecord
from backend.fakes.amocrm.state import Account, CustomField, Entity, Link, Note
from backend.fakes.amocrm.webhooks import Webhook
from backend.fakes.amocrm.world import UnknownAccount, UnknownEntity

__all__ = [
    "Account",
    "CustomField",
    "Delivery",
    "DropRule",
    "Entity",
    "FakeAmoCRM",
    "Fault",
    "Link",
    "Note",
    "RequestRecord",
    "UnknownAccount",
    "UnknownEntity",
    "Webhook",
]
