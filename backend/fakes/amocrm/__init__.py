"""A fake amoCRM (Kommo) API v4 server for tests and the demo: many accounts behind one base URL."""

from __future__ import annotations

from backend.fakes.amocrm.app import FakeAmoCRM
from backend.fakes.amocrm.faults import Fault, RequestRecord
from backend.fakes.amocrm.state import Account, CustomField, Entity, Link, Note
from backend.fakes.amocrm.world import UnknownAccount

__all__ = [
    "Account",
    "CustomField",
    "Entity",
    "FakeAmoCRM",
    "Fault",
    "Link",
    "Note",
    "RequestRecord",
    "UnknownAccount",
]
